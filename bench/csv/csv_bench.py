"""The Python side of CsvBench: pandas read_csv + scikit-learn LogisticRegression, timed in this process.

    csv_bench.py train FILE MODEL    read FILE, fit LogisticRegression() on every column but 'y', pickle to MODEL
    csv_bench.py evaluate FILE MODEL read FILE, predict_proba with the pickled model

Prints one JSON object: the phases' seconds, the process's peak resident memory (ru_maxrss) and the result.
"""
import json
import pickle
import resource
import sys
import time


def main():
    mode, path, model_path = sys.argv[1], sys.argv[2], sys.argv[3]
    t0 = time.perf_counter()
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    import numpy as np
    t_import = time.perf_counter()
    df = pd.read_csv(path)
    t_read = time.perf_counter()
    x = df.drop(columns=["y"]).to_numpy(dtype=np.float64)
    y = df["y"].to_numpy()
    out = {"mode": mode, "rows": int(len(df)), "cols": int(x.shape[1])}
    if mode == "train":
        m = LogisticRegression().fit(x, y)
        t_work = time.perf_counter()
        with open(model_path, "wb") as f:
            pickle.dump(m, f)
        out["iterations"] = int(m.n_iter_[0])
        out["train_accuracy"] = float((m.predict(x) == y).mean())
    else:
        with open(model_path, "rb") as f:
            m = pickle.load(f)
        p = m.predict_proba(x)
        t_work = time.perf_counter()
        out["accuracy"] = float(((p[:, 1] > 0.5).astype(int) == y).mean())
    out.update({
        "import_s": t_import - t0,
        "read_s": t_read - t_import,
        "work_s": t_work - t_read,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "versions": {"pandas": pd.__version__, "sklearn": __import__("sklearn").__version__,
                     "python": sys.version.split()[0]},
    })
    print(json.dumps(out))


if __name__ == "__main__":
    main()

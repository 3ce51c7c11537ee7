#!/usr/bin/python3
"""dask_bench.py - directory-mode throughput of the Python/Dask driver beside
the CLI's, in one run (issue 17).

The tree: FILES single-slice DICOM files (default 300), 512x512 16-bit
slices of the Shepp-Logan phantom (`medcrypt phantom`), written by the
binding.  Encrypted with aead by:
  python_local  medcrypt.tree.run_tree in this process, one file after another
  dask_w1       medcrypt.dask.encrypt_tree on a LocalCluster of 1 worker process (1 thread)
  dask_w2       the same on 2 worker processes (1 thread each)
  cli_j1/cli_j2 `medcrypt encrypt -r -j 1` / `-j 2` (null when this CLI has no -r)
Reps are interleaved (each kind once, then again); medians of REPS (default
3) of the wall time, and of the CPU time per file (this process for
python_local, the CLI's for cli_*, the workers' processes for dask_*: a
figure a loaded machine disturbs less than the wall time).  The clusters are started before the first rep (their start-up time is
reported apart) and stay up between reps.  Every run must encrypt every file.
JSON on stdout.
Usage: bench/dask_bench.py [MEDCRYPT_CLI]   (FILES, REPS, BENCH_DIR from the environment;
       PYTHONPATH=python and MEDCRYPT_BUILD=build as for the tests)
"""
import datetime
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown"


def main():
    import medcrypt
    from medcrypt import tree
    try:
        from distributed import Client, LocalCluster

        from medcrypt.dask import encrypt_tree
    except ImportError as e:
        print(json.dumps({"bench": "dask", "skipped": "dask.distributed missing (%s)" % e}))
        return 0
    logging.getLogger("distributed").setLevel(logging.ERROR)
    cli = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build", "medcrypt"))
    nfiles, reps = int(os.environ.get("FILES", "300")), int(os.environ.get("REPS", "3"))
    work = tempfile.mkdtemp(prefix="mcdask.", dir=os.environ.get("BENCH_DIR"))
    try:
        src = os.path.join(work, "in")
        os.makedirs(src)
        vol = medcrypt.phantom(512, slices=64).pixels.copy()
        for i in range(nfiles):
            with medcrypt.Image.from_array(vol[i % len(vol)], fmt="dicom", spacing=(0.5, 0.5, 1.0)) as img:
                img.write(os.path.join(src, "slice_%04d.dcm" % i), sync=False)
        nbytes = sum(os.path.getsize(os.path.join(src, f)) for f in os.listdir(src))
        key = os.path.join(work, "k")
        with medcrypt.Key.generate() as k:
            k.save(key)
        has_r = os.access(cli, os.X_OK) and "--recursive" in subprocess.run(
            [cli, "encrypt", "--help"], capture_output=True, text=True).stdout

        t0 = time.monotonic()
        clusters = {}
        for n in (1, 2):
            c = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                             dashboard_address=None)
            clusters[n] = (c, Client(c))
            clusters[n][1].submit(sum, [1, 2]).result()  # workers up and answering
        start_s = time.monotonic() - t0

        def out_dir():
            d = os.path.join(work, "out")
            shutil.rmtree(d, ignore_errors=True)
            return d

        def cpu(name):
            """CPU seconds used so far by what runs `name`: this process
            (python_local), the CLI children, or the cluster's workers."""
            if name.startswith("cli"):
                ru = resource.getrusage(resource.RUSAGE_CHILDREN)
                return ru.ru_utime + ru.ru_stime
            if name.startswith("dask"):
                return sum(clusters[int(name[-1])][1].run(time.process_time).values())
            return time.process_time()

        def timed(name, f):
            d = out_dir()
            c0 = cpu(name)
            t = time.monotonic()
            ok = f(d)
            dt = time.monotonic() - t
            if ok != nfiles:
                raise SystemExit("dask_bench: a run encrypted %d of %d files" % (ok, nfiles))
            return dt, cpu(name) - c0

        def cli_run(j):
            def f(d):
                subprocess.run([cli, "encrypt", "-s", "aead", "-k", key, "-r", src, "-o", d, "-j", str(j),
                                "--progress", "none"], check=True, capture_output=True)
                with open(os.path.join(d, "medcrypt-manifest.json")) as fh:
                    return json.load(fh)["summary"]["ok"]
            return f

        kinds = {"python_local": lambda d: tree.run_tree(True, src, d, scheme="aead", key_path=key)["counts"]["ok"],
                 "dask_w1": lambda d: encrypt_tree(src, d, "aead", key, clusters[1][1])["counts"]["ok"],
                 "dask_w2": lambda d: encrypt_tree(src, d, "aead", key, clusters[2][1])["counts"]["ok"]}
        if has_r:
            kinds["cli_j1"], kinds["cli_j2"] = cli_run(1), cli_run(2)
        times = {k: [] for k in kinds}
        cpus = {k: [] for k in kinds}
        for _ in range(reps):
            for name, f in kinds.items():
                dt, c = timed(name, f)
                times[name].append(dt)
                cpus[name].append(c)
        for c, cl in clusters.values():
            cl.close()
            c.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    res = {}
    for name, ts in times.items():
        m = statistics.median(ts)
        res[name] = {"seconds_median": round(m, 4), "seconds": [round(t, 4) for t in ts],
                     "files_per_s": round(nfiles / m, 1), "MB_per_s": round(nbytes / m / 1e6, 1),
                     "cpu_ms_per_file": round(1000 * statistics.median(cpus[name]) / nfiles, 3)}
    for name in ("cli_j1", "cli_j2"):
        res.setdefault(name, None)

    def ratio(a, b):  # throughput of a over b
        if res.get(a) is None or res.get(b) is None:
            return None
        return round(res[b]["seconds_median"] / res[a]["seconds_median"], 3)

    print(json.dumps({
        "bench": "dask", "date": datetime.date.today().isoformat(), "cpu": cpu_name(), "cores": os.cpu_count(),
        "tree": {"files": nfiles, "bytes": nbytes, "series": "phantom 512x512 16-bit, one slice per DICOM file"},
        "scheme": "aead", "reps": reps, "cluster_start_s": round(start_s, 2),
        "cli": cli if has_r else None, "cli_note": None if has_r else "this CLI has no directory mode (-r)",
        "results": res,
        "ratios": {"dask_w2_over_w1": ratio("dask_w2", "dask_w1"), "dask_w1_over_cli_j1": ratio("dask_w1", "cli_j1"),
                   "dask_w2_over_cli_j2": ratio("dask_w2", "cli_j2"),
                   "python_local_over_cli_j1": ratio("python_local", "cli_j1"),
                   "cli_j2_over_j1": ratio("cli_j2", "cli_j1")}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

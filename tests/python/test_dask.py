#!/usr/bin/python3
"""test_dask.py - medcrypt.dask on a real dask.distributed LocalCluster: two
worker processes (one thread each), TCP on loopback, free ports.

A 200-image tree (60 in the sanitizer build) (DICOM, PNG, PGM, NIfTI, plus a text file and a link) is
encrypted and decrypted bit-exactly; during the encryption one worker is
killed (SIGKILL) while it holds work, and the run still completes with a
manifest that lists every file with the SHA-256 of its output and leaves no
temporary file.  A rerun resumes (everything "resumed"), a damaged and a
deleted output are redone, a run stopped halfway by the client resumes from
its journal, and `python3 -m medcrypt.dask` runs against the same scheduler
with the CLI's exit statuses.  The cluster is shut down whatever happens,
and its processes must be gone afterwards.
"""
import json
import logging
import os
import signal
import subprocess
import sys
import time

from pyutil import SANITIZE, SRC, Tally, check_manifest, make_tree, same_images, skip, tmpdir

try:
    import medcrypt
    from medcrypt.dask import decrypt_tree, encrypt_tree
except ImportError as e:
    skip("medcrypt binding not importable (%s)" % e)
try:
    from distributed import Client, LocalCluster
except ImportError as e:
    skip("dask.distributed missing (%s): scripts/install-deps.sh installs python3-distributed" % e)

T = Tally("test_dask")
N = 60 if SANITIZE else 200  # the sanitizer build is slower; the logic is the same


class Stop(Exception):
    pass


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def run_cli(args, addr):
    env = dict(os.environ, PYTHONPATH=os.path.join(SRC, "python"))
    return subprocess.run([sys.executable, "-m", "medcrypt.dask"] + args + ["--scheduler", addr, "--progress", "none"],
                          capture_output=True, text=True, env=env, timeout=300)


def scenario(client, addr, d):
    src, enc, dec = os.path.join(d, "in"), os.path.join(d, "enc"), os.path.join(d, "dec")
    rels = make_tree(src, N)
    key = os.path.join(d, "site.key")
    medcrypt.Key.generate().save(key)
    pids = client.run(os.getpid)
    T.check(len(pids) == 2, "cluster: %d workers, want 2" % len(pids))
    killed = {}

    def kill_one(done, total):
        if killed or done < total // 4:
            return
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy:
            killed[busy[0]] = pids[busy[0]]
            os.kill(pids[busy[0]], signal.SIGKILL)

    t0 = time.monotonic()
    res = encrypt_tree(src, enc, "aead", key, client, batch_size=4, progress=kill_one)
    print("encrypt_tree: %.1f s, %s" % (time.monotonic() - t0, res["counts"]), flush=True)
    T.check(len(killed) == 1, "no worker was killed during the run")
    for pid in killed.values():
        T.check(not alive(pid), "the killed worker %d is alive" % pid)
    T.check(res["exit"] == 0 and res["counts"]["ok"] == N, "encrypt_tree: %s" % res["counts"])
    m = check_manifest(T, enc, N)
    T.check({e["input"] for e in m["files"]} == set(rels) | {"README.txt", "link.txt"}, "manifest: not every file")
    st = {e["input"]: e["status"] for e in m["files"]}
    T.check(st["README.txt"] == "other" and st["link.txt"] == "skipped", "manifest: README/link %s" % st)
    T.check(m["run"] == "encrypt aead hardened", "manifest run %r" % m["run"])
    nenc = 0
    for rel in rels:
        with medcrypt.read(os.path.join(enc, rel)) as img:
            nenc += img.encrypted and img.scheme == "aead"
    T.check(nenc == N, "%d of %d outputs are encrypted images" % (nenc, N))

    t0 = time.monotonic()
    res = decrypt_tree(enc, dec, key, client, batch_size=8)
    print("decrypt_tree: %.1f s, %s" % (time.monotonic() - t0, res["counts"]), flush=True)
    T.check(res["exit"] == 0 and res["counts"]["ok"] == N, "decrypt_tree: %s" % res["counts"])
    check_manifest(T, dec, N)
    bad = same_images(src, dec, rels)
    T.check(not bad, "%d images not bit-exact after the round trip: %s" % (len(bad), bad[:3]))
    modes = {os.stat(os.path.join(dec, r)).st_mode & 0o777 for r in rels}
    T.check(modes == {0o600}, "decrypted files' modes %s" % modes)

    # resume: nothing to do; then a damaged and a deleted output are redone
    res = encrypt_tree(src, enc, "aead", key, client)
    T.check(res["counts"]["resumed"] == N and res["counts"]["ok"] == 0, "rerun: %s" % res["counts"])
    with open(os.path.join(enc, rels[3]), "ab") as f:
        f.write(b"x")
    os.unlink(os.path.join(enc, rels[-1]))
    res = encrypt_tree(src, enc, "aead", key, client)
    T.check(res["counts"]["resumed"] == N - 2 and res["counts"]["ok"] == 2, "damaged rerun: %s" % res["counts"])
    check_manifest(T, enc, N, ("ok", "resumed"))
    T.raises(medcrypt.UsageError, 1, "rerun with another scheme", encrypt_tree, src, enc, "logistic", key, client)

    # the client stops halfway: the journal keeps what is done, a rerun resumes
    enc2 = os.path.join(d, "enc2")

    def stop(done, total):
        if done >= total // 2:
            raise Stop()

    try:
        encrypt_tree(src, enc2, "aead", key, client, batch_size=4, progress=stop)
        T.check(False, "the stopped run did not stop")
    except Stop:
        pass
    T.check(os.path.exists(os.path.join(enc2, ".medcrypt-journal.jsonl")), "no journal after a stopped run")
    time.sleep(0.5)  # cancelled batches may still be finishing
    res = encrypt_tree(src, enc2, "aead", key, client)
    T.check(res["exit"] == 0 and res["counts"]["resumed"] >= N // 2 and
            res["counts"]["resumed"] + res["counts"]["ok"] == N, "resumed run: %s" % res["counts"])
    check_manifest(T, enc2, N, ("ok", "resumed"))

    # the command line, on the same scheduler
    r = run_cli(["decrypt", "-k", key, enc, "-o", os.path.join(d, "dec2")], addr)
    T.check(r.returncode == 0, "python3 -m medcrypt.dask decrypt: exit %d: %s" % (r.returncode, r.stderr[-500:]))
    if r.returncode == 0:
        with open(os.path.join(d, "dec2", "medcrypt-manifest.json")) as f:
            T.check(json.load(f)["summary"]["ok"] == N, "CLI decrypt manifest")
    other = os.path.join(d, "other.key")
    medcrypt.Key.generate().save(other)
    r = run_cli(["decrypt", "-k", other, enc, "-o", os.path.join(d, "dec3")], addr)
    T.check(r.returncode == 3, "wrong key: exit %d, want 3: %s" % (r.returncode, r.stderr[-300:]))
    r = run_cli(["encrypt", "-s", "aead", "-k", key, src], addr)
    T.check(r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1,
            "no -o: exit %d, want 1 and one line: %r" % (r.returncode, r.stderr))
    r = run_cli(["encrypt", "-s", "aead", "-k", os.path.join(d, "missing.key"), src, "-o", os.path.join(d, "e4")],
                addr)
    T.check(r.returncode == 4, "missing key file: exit %d, want 4: %r" % (r.returncode, r.stderr))
    return list(client.run(os.getpid).values())


def main():
    if os.environ.get("MEDCRYPT_PY_PRELOAD"):  # sanitizer build: the workers are python3 too
        os.environ["LD_PRELOAD"] = os.environ["MEDCRYPT_PY_PRELOAD"]
    logging.getLogger("distributed").setLevel(logging.ERROR)
    d = tmpdir("mc-dask-")
    t0 = time.monotonic()
    cluster = client = None
    procs = []
    try:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                               host="127.0.0.1", scheduler_port=0, dashboard_address=None)
        client = Client(cluster)
        print("cluster up in %.1f s: %s" % (time.monotonic() - t0, cluster.scheduler_address), flush=True)
        procs = scenario(client, cluster.scheduler_address, d)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    time.sleep(0.5)
    T.check(procs and not any(alive(p) for p in procs), "cluster processes alive after close: %s" % procs)
    print("total %.1f s" % (time.monotonic() - t0))
    T.done()


if __name__ == "__main__":
    sys.exit(main())

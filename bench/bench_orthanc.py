#!/usr/bin/python3
"""bench_orthanc.py - throughput of the medcrypt Orthanc plugin (issue 16):
instances per second through A's encrypt-and-send and B's receive-and-decrypt
for a CT series, beside plain store-and-send between two Orthanc servers
without the plugin, in the same run.  JSON on stdout (`make bench` runs it as
build/mc_bench_orthanc and keeps bench/results/orthanc.json).

Servers (Debian's Orthanc, loopback, tests/servers/orthanc_harness.py):
A, B with the plugin (one shared key, aead hardened), A0, B0 without it, and
SINK, a DCMTK storescp that discards what it receives.  Each case sends the
whole series once per repetition; receivers are emptied between repetitions.
  send           A0 -> SINK  /modalities/SINK/store (plain, synchronous)
  encrypt_send   A  -> SINK  /medcrypt/encrypt {"Modality": "SINK"}
  receive        storescu -> B0, plain files (one association)
  receive_decrypt storescu -> B, the encrypted files (B decrypts each)
  transfer       A0 -> B0 plain store-and-send
  transfer_medcrypt A -> B encrypt, send, decrypt
Times are wall-clock medians; on a busy machine compare the ratios.  Every
DICOM process runs with TCP_NODELAY=1 (without it Debian's DCMTK waits on
delayed ACKs and every case runs at the same ~10 instances/s).
Usage: bench_orthanc.py [--slices 100] [--size 512] [--reps 3]
Needs MEDCRYPT (the CLI) and MEDCRYPT_ORTHANC_PLUGIN; prints a "skipped"
JSON object (exit 0) when Orthanc or the plugin is missing.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "servers"))
import orthanc_harness as H  # noqa: E402


def emit(obj):
    print(json.dumps(obj, indent=1))


def clear(server):
    for p in server.get("/patients"):
        server.request("DELETE", "/patients/" + p)


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def storescu(files, server, aet="BENCHSCU"):
    r = subprocess.run(["storescu", "-aet", aet, "-aec", server.aet, "127.0.0.1", str(server.dicom_port)] + files,
                       capture_output=True, text=True, env=H.dcmtk_env())
    if r.returncode != 0:
        raise RuntimeError("storescu -> %s failed: %s" % (server.name, r.stderr[-300:]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=100)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    plugin = os.environ.get("MEDCRYPT_ORTHANC_PLUGIN", "")
    head = {"bench": "orthanc plugin throughput (medians)", "date": datetime.date.today().isoformat(),
            "machine": "%s, %d CPUs (affinity %d)" % (platform.processor() or platform.machine(), os.cpu_count(),
                                                     len(os.sched_getaffinity(0)))}
    missing = [w for w, ok in (("Orthanc", H.orthanc_binary()), ("plugin", os.path.isfile(plugin)),
                               ("storescp/storescu", shutil.which("storescp") and shutil.which("storescu"))) if not ok]
    if missing:
        head["skipped"] = "missing: " + ", ".join(missing)
        emit(head)
        return 0

    tmp = tempfile.mkdtemp(prefix="mcbenchorthanc.")
    cl = H.Cluster(tmp)
    try:
        key = H.make_key(os.path.join(tmp, "k.key"))
        files = H.phantom_series(tmp, a.size, a.slices)
        nbytes = sum(os.path.getsize(f) for f in files)
        mc = {"KeyFile": key}
        A = cl.add("a", "HOSP_A", plugin=plugin, medcrypt=mc)
        B = cl.add("b", "HOSP_B", plugin=plugin, medcrypt=mc)
        A0 = cl.add("a0", "PLAIN_A")
        B0 = cl.add("b0", "PLAIN_B")
        cl.listeners["BENCHSCU"] = H.free_port()  # storescu's calling AET, known to every server
        sink_port = H.free_port()
        cl.listeners["SINK"] = sink_port
        sink = subprocess.Popen(["storescp", "--aetitle", "SINK", "--ignore", str(sink_port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=H.dcmtk_env(),
                                start_new_session=True,
                                preexec_fn=H._die_with_parent)
        cl.procs.append(sink)
        bad = cl.start()
        if bad:
            head["skipped"] = "Orthanc did not start: " + bad[0].log()[-300:]
            emit(head)
            return 0
        for s in (A, A0):
            for f in files:
                s.upload(open(f, "rb").read())
        ser_a = A.get("/series")[0]
        ser_a0 = A0.get("/series")[0]
        # the encrypted files, as B receives them
        r = A.post("/medcrypt/encrypt", {"Resources": [ser_a], "Store": True})
        encdir = os.path.join(tmp, "enc")
        os.makedirs(encdir)
        enc_files = []
        for i, iid in enumerate(r["Stored"]):
            p = os.path.join(encdir, "e%03d.dcm" % i)
            with open(p, "wb") as f:
                f.write(A.file(iid))
            A.request("DELETE", "/instances/" + iid)
            enc_files.append(p)

        cases = {
            "send": lambda: A0.post("/modalities/SINK/store", {"Resources": [ser_a0], "Synchronous": True}),
            "encrypt_send": lambda: A.post("/medcrypt/encrypt", {"Resources": [ser_a], "Modality": "SINK"}),
            "receive": lambda: storescu(files, B0),
            "receive_decrypt": lambda: storescu(enc_files, B),
            "transfer": lambda: A0.post("/modalities/PLAIN_B/store", {"Resources": [ser_a0], "Synchronous": True}),
            "transfer_medcrypt": lambda: A.post("/medcrypt/encrypt", {"Resources": [ser_a], "Modality": "HOSP_B"}),
        }
        times = {k: [] for k in cases}
        for _ in range(a.reps):
            for k, fn in cases.items():  # interleaved: drifts hit every case alike
                clear(B)
                clear(B0)
                times[k].append(timed(fn))
        check = {"B_instances": len(B.instances()), "B_decrypted": B.get("/medcrypt/status")["Counters"]["Decrypted"]}
        res = {}
        for k, ts in times.items():
            med = statistics.median(ts)
            res[k] = {"seconds_median": round(med, 3), "instances_per_s": round(a.slices / med, 1),
                      "MBps": round(nbytes / med / 1e6, 1), "seconds": [round(t, 3) for t in ts]}
        ratio = lambda x, y: round(res[x]["instances_per_s"] / res[y]["instances_per_s"], 3)  # noqa: E731
        head.update({
            "series": {"instances": a.slices, "size": [a.size, a.size], "bits": 16, "signed": True,
                       "file_bytes": nbytes, "made_by": "medcrypt phantom, one CT instance per slice"},
            "scheme": "aead", "profile": "hardened", "reps": a.reps, "results": res,
            "ratios": {"encrypt_send_vs_send": ratio("encrypt_send", "send"),
                       "receive_decrypt_vs_receive": ratio("receive_decrypt", "receive"),
                       "transfer_medcrypt_vs_transfer": ratio("transfer_medcrypt", "transfer")},
            "sanity": check,
            "env": "TCP_NODELAY=1 for every DICOM process (see orthanc_harness.dcmtk_env)",
            "unit": "instances_per_s = instances / median wall seconds; MBps = DICOM file bytes / second"})
        emit(head)
        return 0
    finally:
        cl.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

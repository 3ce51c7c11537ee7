#!/usr/bin/python3
"""test_orthanc.py - the medcrypt Orthanc plugin between two hospitals.

Servers (Debian's Orthanc, the plugin from this build, loopback, ports chosen
at run time, storage under a temporary directory, all stopped at the end):
  A  HOSP_A   the sender; key K
  B  HOSP_B   the receiver; key K: decrypts what arrives
  C  HOSP_C   a receiver with the wrong key, "Keep": stores it encrypted
  D  HOSP_D   a receiver with the wrong key, "Reject": refuses the C-STORE
  CAP         a DCMTK storescp: the instances as they travel
plus three servers whose configuration the plugin must refuse (key file
mode 0644, key file of another owner, unknown scheme).

The study: a CT series made by `medcrypt phantom` (16-bit signed, split into
single-frame CT instances) and CT_small.dcm.  The UIDs seen at B are written
to $MEDCRYPT_BUILD/orthanc_test_results.json for test_orthanc_uids.py.

Skips (exit 77) only where Orthanc cannot run: not installed, plugin not
built (orthanc-dev or libjansson-dev missing), a plain Orthanc without the
plugin does not start either, or a sanitized build (Orthanc cannot host it;
test_plugin_host.c covers the plugin under ASan/UBSan).
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import orthanc_harness as H  # noqa: E402

npass = nfail = 0


def check(cond, what):
    global npass, nfail
    if cond:
        npass += 1
    else:
        nfail += 1
        print("FAIL: " + what, file=sys.stderr)
    return cond


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def read_ds(data):
    import io
    import pydicom
    return pydicom.dcmread(io.BytesIO(data))


def pixels(data):
    return read_ds(data).pixel_array


def same_as_some(arr, originals):
    return [k for k, o in originals.items() if o.shape == arr.shape and (o == arr).all()]


def mostly_different(arr, originals):
    """No original shares more than 1% of its samples with arr."""
    for o in originals.values():
        if o.shape == arr.shape and (o == arr).mean() > 0.01:
            return False
    return True


def key_hex(path):
    with open(path) as f:
        return f.read().split()[-1]


def main():
    plugin = os.environ.get("MEDCRYPT_ORTHANC_PLUGIN", "")
    if os.environ.get("MEDCRYPT_SANITIZE") == "1":
        # Debian's Orthanc is not instrumented: a sanitized plugin needs the
        # ASan runtime preloaded, and Orthanc then deadlocks in its locale
        # set-up (glibc duplocale, before any plugin is loaded)
        skip("sanitized build: Debian's Orthanc cannot host a sanitized plugin; "
             "servers.orthanc_plugin_host runs the plugin under ASan/UBSan")
    if not H.orthanc_binary():
        skip("Orthanc is not installed (scripts/install-deps.sh installs orthanc)")
    if not plugin or not os.path.isfile(plugin):
        skip("the Orthanc plugin was not built (orthanc-dev and libjansson-dev are needed at configure time)")
    if not shutil.which("storescp"):
        skip("storescp (dcmtk) is not installed")
    try:
        import numpy  # noqa: F401
        import pydicom  # noqa: F401
    except ImportError as e:
        skip("python3 %s missing" % e.name)
    ct_small = H.ct_small_path()
    results_path = os.path.join(os.environ.get("MEDCRYPT_BUILD", "."), "orthanc_test_results.json")
    if os.path.exists(results_path):
        os.unlink(results_path)

    tmp = tempfile.mkdtemp(prefix="mcorthanc.")
    cl = H.Cluster(tmp)
    try:
        run(cl, tmp, plugin, ct_small, results_path)
    finally:
        cl.stop()
        check(all(p.poll() is not None for p in cl.procs) and not cl.procs, "every server stopped")
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


def run(cl, tmp, plugin, ct_small, results_path):
    K = H.make_key(os.path.join(tmp, "shared.key"))
    W = H.make_key(os.path.join(tmp, "wrong.key"))
    bad_mode = H.make_key(os.path.join(tmp, "badmode.key"))
    os.chmod(bad_mode, 0o644)
    other_owner = H.make_key(os.path.join(tmp, "owner.key"))
    can_chown = os.geteuid() == 0
    if can_chown:
        os.chown(other_owner, 65534, -1)

    A = cl.add("a", "HOSP_A", plugin=plugin,
               medcrypt={"KeyFile": K, "Rules": [{"Peer": "HOSP_C", "Refuse": True}]})
    B = cl.add("b", "HOSP_B", plugin=plugin, medcrypt={"KeyFile": K})
    C = cl.add("c", "HOSP_C", plugin=plugin, medcrypt={"KeyFile": W, "OnAuthenticationFailure": "Keep"})
    D = cl.add("d", "HOSP_D", plugin=plugin, medcrypt={"KeyFile": W, "OnAuthenticationFailure": "Reject"})
    refused = {
        "mode 644": cl.add("e", "BAD_MODE", plugin=plugin, medcrypt={"KeyFile": bad_mode}),
        "unknown scheme": cl.add("g", "BAD_SCHEME", plugin=plugin, medcrypt={"KeyFile": K, "Scheme": "nope"}),
    }
    if can_chown:
        refused["owned by uid 65534"] = cl.add("f", "BAD_OWNER", plugin=plugin, medcrypt={"KeyFile": other_owner})
    capture = cl.add_listener("CAP")
    servers = [A, B, C, D]
    not_up = cl.start()
    if any(s in not_up for s in servers):
        # a plain Orthanc (no plugin) that cannot start either: the machine's fault
        probe = cl.add("probe", "PROBE")
        if cl.start([probe]):
            skip("Orthanc cannot start here: " + probe.log()[-300:].replace("\n", " | "))
        for s in servers:
            if s in not_up:
                check(False, "server %s did not start: %s" % (s.name, s.log()[-1500:]))
        return

    # --- configuration refused at start-up: Orthanc exits, one line says why
    for why, s in refused.items():
        rc = s.wait_exit(30)
        check(rc is not None and rc != 0, "Orthanc with a bad configuration (%s) stops (exit %s)" % (why, rc))
        check("medcrypt: configuration refused" in s.log() and why in s.log(),
              "the refusal names the cause (%s): %s" % (why, s.log()[-400:]))

    # --- the study at A
    originals, uids, raw = {}, {}, {}
    files = H.phantom_series(tmp, 128, 8)
    if ct_small:
        files.append(ct_small)
    else:
        print("note: CT_small.dcm not found (samples or python3-pydicom data); phantom series only")
    uploaded = []
    for f in files:
        data = open(f, "rb").read()
        ds = read_ds(data)
        originals[ds.SOPInstanceUID] = ds.pixel_array
        uids[ds.SOPInstanceUID] = (ds.SOPInstanceUID, ds.SeriesInstanceUID, ds.StudyInstanceUID)
        raw[ds.SOPInstanceUID] = data
        uploaded.append(A.upload(data))
    n = len(files)
    series = uploaded[0]["ParentSeries"]
    resources = [series] + ([uploaded[-1]["ID"]] if ct_small else [])
    check(A.get("/medcrypt/status")["Counters"]["NotEncrypted"] == n, "plain uploads pass through A untouched")

    # --- A -> B by C-STORE: B stores the original
    r = A.post("/medcrypt/encrypt", {"Resources": resources, "Modality": "HOSP_B"})
    check(r["Encrypted"] == n and r["Sent"] == n and not r["Failed"] and r["Scheme"] == "aead"
          and r["Profile"] == "hardened", "A encrypts and sends %d instances: %s" % (n, r))
    at_b = B.instances()
    check(len(at_b) == n, "B stores %d instances (%d)" % (n, len(at_b)))
    by_key = {(read_ds(d).PatientID, read_ds(d).get("InstanceNumber")): u for u, d in raw.items()}
    pairs, matched = [], set()
    for iid in at_b:
        data = B.file(iid)
        ds = read_ds(data)
        check(not H.has_medcrypt_block(data), "B's instance %s is decrypted" % iid)
        u = by_key.get((ds.PatientID, ds.get("InstanceNumber")))
        if check(u is not None, "B's instance %s keeps PatientID and InstanceNumber of an original" % iid):
            matched.add(u)
            o = originals[u]
            check(ds.pixel_array.dtype == o.dtype and ds.pixel_array.shape == o.shape and (ds.pixel_array == o).all(),
                  "B's instance %s has the original's pixels" % iid)
            pairs.append({"original": list(uids[u]),
                          "received": [ds.SOPInstanceUID, ds.SeriesInstanceUID, ds.StudyInstanceUID]})
    check(len(matched) == n, "every original arrived at B (%d of %d)" % (len(matched), n))
    st = B.get("/medcrypt/status")["Counters"]
    check(st["Decrypted"] == n and st["KeptEncrypted"] == 0, "B's counters: %s" % st)

    # --- as it travels: a third listener
    r = A.post("/medcrypt/encrypt", {"Resources": resources, "Modality": "CAP"})
    check(r["Sent"] == n, "A sends %d encrypted instances to the listener" % n)
    caught = sorted(glob.glob(os.path.join(capture, "*")))
    check(len(caught) == n, "the listener received %d files (%d)" % (n, len(caught)))
    for f in caught:
        data = open(f, "rb").read()
        try:
            arr = pixels(data)
        except Exception as e:  # not valid DICOM
            check(False, "captured %s is a DICOM file with pixels: %s" % (f, e))
            continue
        check(H.has_medcrypt_block(data), "captured %s carries medcrypt's metadata" % f)
        check(mostly_different(arr, originals), "captured %s: pixels differ from every original" % f)
        if shutil.which("dcmftest"):
            t = subprocess.run(["dcmftest", f], capture_output=True, text=True)
            check(t.returncode == 0 and "yes" in t.stdout, "dcmftest accepts %s: %s" % (f, t.stdout.strip()))

    # --- wrong key, Keep: stored encrypted, one line per instance, no plaintext
    r = A.post("/medcrypt/encrypt", {"Resources": resources, "Modality": "HOSP_C"})
    check(r["Sent"] == n, "A sends to C (wrong key)")
    at_c = C.instances()
    check(len(at_c) == n, "C keeps %d instances (%d)" % (n, len(at_c)))
    for iid in at_c:
        data = C.file(iid)
        check(H.has_medcrypt_block(data) and mostly_different(pixels(data), originals),
              "C's instance %s is stored encrypted" % iid)
    st = C.get("/medcrypt/status")["Counters"]
    check(st["KeptEncrypted"] == n and st["Decrypted"] == 0, "C's counters: %s" % st)
    lines = [ln for ln in C.log().splitlines() if "failed authentication" in ln]
    check(len(lines) == n and all("stored encrypted" in ln for ln in lines),
          "C logs one line per instance (%d lines)" % len(lines))
    check(all(any(u in ln for u in uids) or "series" in ln for ln in lines), "the lines name the instance")
    r = C.post("/medcrypt/decrypt", {"Resources": [at_c[0]]})
    check(len(r["Failed"]) == 1 and not r["Decrypted"] and len(C.instances()) == n,
          "REST decrypt with the wrong key fails and keeps the instance: %s" % r)

    # --- wrong key, Reject: the C-STORE fails, nothing is stored at D, A keeps everything
    try:
        r = A.post("/medcrypt/encrypt", {"Resources": resources, "Modality": "HOSP_D"})
        check(False, "sending to D (Reject) must fail: %s" % r)
    except H.HttpError as e:
        check(e.code == 502 and json.loads(e.body)["Sent"] == 0, "A reports the refused C-STORE: %s" % e)
    try:
        r = A.post("/medcrypt/encrypt", {"Resources": [uploaded[0]["ID"]], "Peer": "HOSP_D"})
        check(False, "sending to D over HTTP (Reject) must fail: %s" % r)
    except H.HttpError as e:
        check(e.code == 502 and json.loads(e.body)["Sent"] == 0, "A reports the refused HTTP store: %s" % e)
    if caught:
        try:
            D.upload(open(caught[0], "rb").read())
            check(False, "a REST upload to D (Reject) must fail")
        except H.HttpError as e:
            check(e.code == 500, "a REST upload to D fails with HTTP 500 (%d)" % e.code)
    check(len(D.instances()) == 0, "D stores nothing")
    st = D.get("/medcrypt/status")["Counters"]
    check(st["Rejected"] >= 2 and st["Decrypted"] == 0 and st["KeptEncrypted"] == 0, "D's counters: %s" % st)
    check("failed authentication" in D.log() and ": rejected" in D.log(), "D logs the rejection")
    check(len(A.instances()) == n, "A still holds its %d instances" % n)

    # --- A -> B over HTTP (Orthanc peer): decrypted too
    r = A.post("/medcrypt/encrypt", {"Resources": [uploaded[0]["ID"]], "Peer": "HOSP_B"})
    check(r["Sent"] == 1, "A sends one instance to peer B")
    st = B.get("/medcrypt/status")["Counters"]
    check(st["Decrypted"] == n + 1, "B decrypts what came over HTTP: %s" % st)
    check(all(not H.has_medcrypt_block(B.file(i)) for i in B.instances()), "B holds no encrypted instance")

    # --- an encrypted copy kept at A, then REST decrypt
    one = uploaded[-1]
    r = A.post("/medcrypt/encrypt", {"Resources": [one["ID"]], "Store": True})
    check(len(r["Stored"]) == 1 and r["Sent"] == 0, "A stores an encrypted copy: %s" % r)
    enc_id = r["Stored"][0]
    check(H.has_medcrypt_block(A.file(enc_id)), "the copy stored at A stays encrypted")
    r = A.post("/medcrypt/decrypt", {"Resources": [enc_id]})
    ok = check(len(r["Decrypted"]) == 1 and not r["Failed"], "REST decrypt at A: %s" % r)
    if ok:
        dec = A.file(r["Decrypted"][0]["Instance"])
        check(not H.has_medcrypt_block(dec) and same_as_some(pixels(dec), originals),
              "the decrypted instance has the original pixels")
        try:
            A.get("/instances/%s" % enc_id)
            check(False, "the encrypted copy is deleted after decryption")
        except H.HttpError as e:
            check(e.code == 404, "the encrypted copy is deleted after decryption")

    # --- rules, errors
    for body, code, what in [
        ({"Resources": resources, "Peer": "HOSP_C"}, 403, "a rule refuses peer HOSP_C"),
        ({"Resources": ["0123abcd-0123abcd-0123abcd-0123abcd-0123abcd"], "Modality": "HOSP_B"}, 404, "unknown resource"),
        ({"Resources": ["../system"], "Modality": "HOSP_B"}, 400, "not an identifier"),
        ({"Resources": resources, "Modality": "HOSP_B", "Peer": "HOSP_B"}, 400, "modality and peer"),
        ({"Modality": "HOSP_B"}, 400, "no resources"),
    ]:
        try:
            A.post("/medcrypt/encrypt", body)
            check(False, what + ": accepted")
        except H.HttpError as e:
            check(e.code == code, "%s: HTTP %d (want %d) %s" % (what, e.code, code, e.body))
    try:
        A.get("/medcrypt/encrypt")
        check(False, "GET /medcrypt/encrypt is refused")
    except H.HttpError as e:
        check(e.code == 405, "GET /medcrypt/encrypt: 405 (%d)" % e.code)
    st = A.get("/medcrypt/status")
    check(st["Version"] and st["Scheme"] == "aead" and st["Counters"]["Sent"] == 3 * n + 1,
          "A's status: %s" % st)

    # --- no key in any log
    secrets = [key_hex(K), key_hex(W)]
    logs = "".join(s.log() for s in cl.servers)
    check(not any(k in logs or k.upper() in logs for k in secrets), "no key material in the logs")

    with open(results_path, "w") as f:
        json.dump({"pairs": pairs}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""test_tree.py - directory mode in one process (medcrypt.tree.run_tree),
the part the Dask driver shares: statuses, manifest, resume.

Odd file names (quotes, a newline, bytes that are not UTF-8, UTF-8) survive
the manifest and its reading back; links and FIFOs are skipped; other files
are reported or copied; a DICOM object without pixels is "other"; a corrupt
image fails with exit 2 and stops nothing; a wrong key fails every file with
exit 3; a rerun of another run is refused, force redoes; a journal left by a
crash (its last line cut) resumes what it records; a dead writer's
temporary file is removed and a live one's kept; OUT_DIR rules.
"""
import os
import shutil
import sys

from pyutil import SAMPLES, Tally, check_manifest, make_tree, same_images, skip, tmpdir

try:
    import medcrypt
    from medcrypt import _atomic, tree
except ImportError as e:
    skip("medcrypt binding not importable (%s)" % e)

T = Tally("test_tree")
D = tmpdir("mc-tree-")
ODD = [b'quo"te\\.png', b"new\nline.png", b"caf\xe9.png", "é-ü.png".encode()]


def main():
    src = os.path.join(D, "in")
    rels = make_tree(src, 24)
    for name in ODD:  # the same image under odd names
        shutil.copy(os.path.join(src, "photos", "img_000.png"), os.path.join(os.fsencode(src), name))
    os.mkfifo(os.path.join(src, "fifo"))
    with open(os.path.join(src, "bad.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    nopix = os.path.join(SAMPLES, "dicom", "rtplan.dcm")
    if os.path.exists(nopix):
        shutil.copy(nopix, os.path.join(src, "plan.dcm"))
    else:
        print("SKIP part: %s missing: no DICOM-without-pixels case" % nopix)
    key = os.path.join(D, "k")
    medcrypt.Key.generate().save(key)
    n_img = len(rels) + len(ODD)

    enc = os.path.join(D, "enc")
    r = tree.run_tree(True, src, enc, scheme="aead", key_path=key, copy_other=True)
    c = r["counts"]
    T.check(r["exit"] == 2 and c["ok"] == n_img and c["failed"] == 1, "encrypt: exit %d %s" % (r["exit"], c))
    m = check_manifest(T, enc, n_img)
    raw = open(os.path.join(enc, "medcrypt-manifest.json"), "rb").read()
    T.check(b'"caf\\u00e9.png"' in raw and b'"quo\\"te\\\\.png"' in raw and b'"new\\u000aline.png"' in raw and
            "é-ü.png".encode() in raw, "odd names not escaped as the CLI does")
    recs = tree.load_records(enc, "encrypt aead hardened")
    T.check(all(n in recs for n in ODD), "odd names not read back: %s" % [n for n in ODD if n not in recs])
    st = {e["input"]: e for e in m["files"]}
    T.check(st["fifo"]["status"] == "skipped" and st["link.txt"]["status"] == "skipped", "fifo/link not skipped")
    T.check(st["README.txt"]["status"] == "copied", "README not copied with copy_other")
    T.check(st["bad.png"]["status"] == "failed" and st["bad.png"]["exit"] == 2 and st["bad.png"]["message"],
            "corrupt image: %s" % st["bad.png"])
    if "plan.dcm" in st:
        T.check(st["plan.dcm"]["status"] == "copied", "DICOM without pixels: %s" % st["plan.dcm"])

    dec = os.path.join(D, "dec")
    r = tree.run_tree(False, enc, dec, key_path=key)
    T.check(r["exit"] == 0 and r["counts"]["ok"] == n_img, "decrypt: %s" % r["counts"])
    bad = same_images(src, dec, rels + [os.fsdecode(n) for n in ODD])
    T.check(not bad, "not bit-exact: %s" % bad)
    T.check(not os.path.exists(os.path.join(dec, "README.txt")), "other file copied without copy_other")

    # rerun rules
    T.raises(medcrypt.UsageError, 1, "rerun with another scheme", tree.run_tree, True, src, enc, scheme="latin",
             key_path=key)
    r = tree.run_tree(True, src, enc, scheme="latin", key_path=key, force=True)
    T.check(r["counts"]["ok"] == n_img and r["counts"]["resumed"] == 0, "force: %s" % r["counts"])
    busy = os.path.join(D, "busy")
    os.mkdir(busy)
    open(os.path.join(busy, "x"), "w").close()
    T.raises(medcrypt.UsageError, 1, "OUT_DIR not empty, no manifest", tree.run_tree, True, src, busy,
             scheme="aead", key_path=key)
    T.raises(medcrypt.UsageError, 1, "OUT_DIR inside IN_DIR", tree.run_tree, True, src, os.path.join(src, "o"),
             scheme="aead", key_path=key)
    other = os.path.join(D, "k2")
    medcrypt.Key.generate().save(other)
    r = tree.run_tree(False, enc, os.path.join(D, "dec2"), key_path=other)
    T.check(r["exit"] == 3 and r["counts"]["failed"] == n_img, "wrong key: exit %d %s" % (r["exit"], r["counts"]))

    # a crash: the journal (last line cut), no manifest; temporary files of a dead and a live writer
    os.unlink(os.path.join(enc, "medcrypt-manifest.json"))
    ok_lines = journal_lines(src, enc)
    with open(os.path.join(enc, ".medcrypt-journal.jsonl"), "w") as f:
        f.write('{"run": "encrypt latin hardened"}\n' + "\n".join(ok_lines[:10]) + "\n" + ok_lines[10][:40])
    tag = _atomic.host_tag().decode()
    dead = os.path.join(enc, "series", ".img_000.dcm.%s%d-abcdef.dcm" % (tag, 2 ** 22 + 12345))
    live = os.path.join(enc, "series", ".img_001.dcm.%s%d-abcdef.dcm" % (tag, os.getpid()))
    for p in (dead, live):
        open(p, "w").close()
    r = tree.run_tree(True, src, enc, scheme="latin", key_path=key, copy_other=True)
    T.check(r["counts"]["resumed"] == 10, "journal resume: %s" % r["counts"])
    T.check(not os.path.exists(dead) and os.path.exists(live), "stale temporary files: dead kept or live removed")
    os.unlink(live)
    check_manifest(T, enc, n_img, ("ok", "resumed"))
    T.done()


def journal_lines(src, enc):
    """Journal lines ("ok") for the images of src whose output is in enc."""
    lines = []
    for e in tree.walk(src)[0]:
        p = os.path.join(os.fsencode(enc), e["rel"])
        if e["kind"] == tree.IMAGE and e["rel"] != b"plan.dcm" and os.path.exists(p):  # plan.dcm: copied
            n, sha = tree._sha256_file(p)
            lines.append(tree.entry_json(dict(e, status="ok", exit=0, out_bytes=n, sha256=sha)))
    return lines


if __name__ == "__main__":
    sys.exit(main())

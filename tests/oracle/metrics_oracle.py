#!/usr/bin/python3
"""metrics_oracle.py - `medcrypt analyze --json` against independent
implementations: numpy (entropy, chi-square, correlation, NPCR/UACI, MSE,
thumbnails), scipy (chi-square p-value, normal quantiles: scikit-image's own
dependency) and scikit-image (PSNR, SSIM with gaussian_weights=True,
sigma=1.5, use_sample_covariance=False), on real samples at 8 and 16 bits
(PNG via PIL, DICOM via pydicom, NIfTI parsed here).

Exact metrics must agree to 1e-6 (relative for large values), SSIM to 1e-4.
Levels: signed samples are compared in offset binary (value + 2^(bits-1)),
the convention of docs/metrics.md.
"""
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import pydicom
    from PIL import Image
    from scipy import stats
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity
except ImportError as e:  # loud skip
    print("SKIP: python3-numpy / python3-skimage / python3-pydicom missing: %s" % e)
    sys.exit(77)

MC = os.environ.get("MEDCRYPT")
SAMPLES = os.environ.get("MEDCRYPT_SAMPLES", "")
if not MC:
    print("SKIP: $MEDCRYPT not set (run through ctest)")
    sys.exit(77)

FAIL = []
NCHECK = [0]


def check(what, got, want, tol):
    NCHECK[0] += 1
    if got is None or want is None:
        ok = got is None and want is None
    elif np.isinf(want):
        ok = got is not None and np.isinf(got)
    else:
        ok = abs(got - want) <= tol * max(1.0, abs(want))
    if not ok:
        FAIL.append("%s: medcrypt %r, oracle %r (tol %g)" % (what, got, want, tol))


def need(rel):
    p = os.path.join(SAMPLES, rel)
    if not os.path.exists(p):
        print("SKIP: sample %s missing (run scripts/fetch-samples.sh)" % rel)
        sys.exit(77)
    return p


def write_pnm(path, a, bits):
    """a: (h, w) or (h, w, 3) unsigned levels."""
    h, w = a.shape[:2]
    magic = b"P6" if a.ndim == 3 else b"P5"
    dt = ">u2" if bits == 16 else "u1"
    with open(path, "wb") as f:
        f.write(b"%s\n%d %d\n%d\n" % (magic, w, h, (1 << bits) - 1))
        f.write(np.ascontiguousarray(a).astype(dt).tobytes())


def analyze(*args):
    r = subprocess.run([MC, "analyze", "--json"] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        FAIL.append("analyze %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()))
        return None
    return json.loads(r.stdout)


# ------------------------------------------------------------- oracles

def entropy(v, nbins):
    c = np.bincount(v.ravel().astype(np.int64), minlength=nbins).astype(np.float64)
    p = c[c > 0] / c.sum()
    return float(-(p * np.log2(p)).sum()), c


def planes(a):
    """list of 2D planes (channels of an RGB image)."""
    return [a[..., c] for c in range(a.shape[2])] if a.ndim == 3 else [a]


def corr(a):
    out = {}
    for d in ("h", "v", "d", "ad"):
        xs, ys = [], []
        for p in planes(a):
            p = p.astype(np.float64)
            if d == "h":
                x, y = p[:, :-1], p[:, 1:]
            elif d == "v":
                x, y = p[:-1, :], p[1:, :]
            elif d == "d":
                x, y = p[:-1, :-1], p[1:, 1:]
            else:
                x, y = p[:-1, 1:], p[1:, :-1]
            xs.append(x.ravel())
            ys.append(y.ravel())
        out[d] = float(np.corrcoef(np.concatenate(xs), np.concatenate(ys))[0, 1])
    return out


def thumb(p, b):
    h, w = p.shape
    th, tw = -(-h // b), -(-w // b)
    t = np.zeros((th, tw))
    for i in range(th):
        for j in range(tw):
            t[i, j] = p[i * b:(i + 1) * b, j * b:(j + 1) * b].astype(np.float64).mean()
    return t


def ssim(x, y, F):
    return structural_similarity(x.astype(np.float64), y.astype(np.float64), gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=F)


def single_checks(tag, j, a, bits):
    F = (1 << bits) - 1
    e, counts = entropy(a, 1 << bits)
    check(tag + " entropy", j["entropy"], e, 1e-6)
    eh, _ = entropy(a >> (bits - 8), 256)
    check(tag + " entropy_high_byte", j["entropy_high_byte"], eh, 1e-6)
    exp = counts.sum() / counts.size
    chi = float(((counts - exp) ** 2 / exp).sum())
    check(tag + " chi2.stat", j["chi2"]["stat"], chi, 1e-6)
    check(tag + " chi2.p", j["chi2"]["p"], float(stats.chi2.sf(chi, counts.size - 1)), 1e-6)
    check(tag + " chi2.crit_05", j["chi2"]["crit_05"], float(stats.chi2.isf(0.05, counts.size - 1)), 1e-6)
    c = corr(a)
    for d in c:
        check(tag + " corr." + d, j["corr"][d], c[d], 1e-6)
        # sampled pairs: a different (seeded) estimate of the same coefficient
        check(tag + " corr_sampled." + d + " near corr", j["corr_sampled"][d], c[d], 0.08)
    del F


def pair_checks(tag, j, a, ref, bits, block):
    F = (1 << bits) - 1
    af, rf = a.astype(np.float64), ref.astype(np.float64)
    mse = float(((af - rf) ** 2).mean())
    check(tag + " mse", j["mse"], mse, 1e-6)
    check(tag + " psnr", j["psnr"], float(peak_signal_noise_ratio(ref, a, data_range=F)), 1e-6)
    s = float(np.mean([ssim(x, y, F) for x, y in zip(planes(a), planes(ref))]))
    check(tag + " ssim", j["ssim"], s, 1e-4)
    n = a.size
    check(tag + " npcr", j["npcr"], 100.0 * float((a != ref).sum()) / n, 1e-6)
    check(tag + " uaci", j["uaci"], 100.0 * float(np.abs(af - rf).sum()) / (n * F), 1e-6)
    # Wu-Noonan-Agaian 2011 critical values, from scipy's normal quantiles
    for key, al in (("05", 0.05), ("01", 0.01), ("001", 0.001)):
        za, za2 = stats.norm.isf(al), stats.norm.isf(al / 2)
        ncrit = 100 * (F - za * np.sqrt(F / n)) / (F + 1)
        mu = (F + 2) / (3 * F + 3)
        sd = np.sqrt((F + 2) * (F * F + 2 * F + 3) / (18 * (F + 1) ** 2 * n * F))
        check(tag + " npcr_critical." + key, j["npcr_critical"][key], ncrit, 1e-6)
        check(tag + " uaci_lo." + key, j["uaci_interval"][key][0], 100 * (mu - za2 * sd), 1e-6)
        check(tag + " uaci_hi." + key, j["uaci_interval"][key][1], 100 * (mu + za2 * sd), 1e-6)
    ta = [thumb(p, block) for p in planes(a)]
    tr = [thumb(p, block) for p in planes(ref)]
    tmse = float(np.mean([((x - y) ** 2).mean() for x, y in zip(ta, tr)]))
    tpsnr = float("inf") if tmse == 0 else 10 * np.log10(F * F / tmse)
    check(tag + " thumb.psnr", j["thumb"]["psnr"], tpsnr, 1e-6)
    if min(ta[0].shape) >= 11:
        check(tag + " thumb.ssim", j["thumb"]["ssim"], float(np.mean([ssim(x, y, F) for x, y in zip(ta, tr)])), 1e-4)
    else:
        check(tag + " thumb.ssim (undefined)", j["thumb"]["ssim"], None, 0)


def run_case(tag, plain, bits, tmp, rng, block=8):
    F = (1 << bits) - 1
    noisy = np.clip(plain.astype(np.float64) + rng.normal(0, 0.03 * F, plain.shape), 0, F).round().astype(np.int64)
    cipher = rng.integers(0, F + 1, plain.shape)
    pp = os.path.join(tmp, tag + "_plain.pnm")
    write_pnm(pp, plain, bits)
    for kind, img in (("noisy", noisy), ("cipher", cipher)):
        ip = os.path.join(tmp, tag + "_" + kind + ".pnm")
        write_pnm(ip, img, bits)
        j = analyze(ip, pp, "--block", str(block))
        if j is None:
            continue
        t = "%s/%s" % (tag, kind)
        single_checks(t, j, img, bits)
        single_checks(t + " reference", j["reference"], plain, bits)
        pair_checks(t, j, img, plain, bits, block)
        if plain.ndim == 3:
            for c in range(3):
                jc = j["channels"][c]
                e, _ = entropy(img[..., c], 1 << bits)
                check("%s ch%d entropy" % (t, c), jc["entropy"], e, 1e-6)
                cc = corr(img[..., c])
                check("%s ch%d corr.h" % (t, c), jc["corr"]["h"], cc["h"], 1e-6)
                check("%s ch%d ssim" % (t, c), jc["ssim"], ssim(img[..., c], plain[..., c], F), 1e-4)


def nifti_u8_volume(path):
    raw = gzip.open(path).read()
    dim = struct.unpack("<8h", raw[40:56])
    dtype = struct.unpack("<h", raw[70:72])[0]
    off = int(struct.unpack("<f", raw[108:112])[0])
    if dtype != 2:  # DT_UNSIGNED_CHAR
        return None
    nx, ny, nz = dim[1], dim[2], dim[3]
    return np.frombuffer(raw[off:off + nx * ny * nz], dtype=np.uint8).reshape(nz, ny, nx)


def main():
    rng = np.random.default_rng(20240603)
    tmp = tempfile.mkdtemp(prefix="mcoracle.")
    # 8-bit gray and RGB PNG (PIL decodes)
    for rel in ("itk/BrainProtonDensitySlice.png", "itk/BrainT1Slice.png"):
        a = np.asarray(Image.open(need(rel))).astype(np.int64)
        run_case(os.path.basename(rel).split(".")[0], a, 8, tmp, rng)
    # 16-bit signed DICOM (pydicom decodes); levels = value + 32768
    for rel in ("dicom/CT_small.dcm", "dicom/MR_small.dcm"):
        ds = pydicom.dcmread(need(rel))
        a = ds.pixel_array.astype(np.int64)
        if ds.PixelRepresentation == 1:
            a = a + 32768
        run_case(os.path.basename(rel).split(".")[0], a, 16, tmp, rng)
        # the DICOM file itself (our reader) gives the same single-image figures
        j = analyze(need(rel))
        if j is not None:
            single_checks(rel + " (read by medcrypt)", j, a, 16)
    # a 3D volume: per slice and overall
    vol = nifti_u8_volume(need("nifti/ch2.nii.gz"))
    if vol is None:
        FAIL.append("ch2.nii.gz is not 8-bit unsigned (the oracle expects it)")
    else:
        j = analyze(need("nifti/ch2.nii.gz"))
        if j is not None:
            e, _ = entropy(vol, 256)
            check("ch2 volume entropy", j["entropy"], e, 1e-6)
            c = corr(np.moveaxis(vol, 0, -1))  # slices as the "channels" of corr(): never across slices
            for d in c:
                check("ch2 volume corr." + d, j["corr"][d], c[d], 1e-6)
            for z in (0, 45, 90, 135):
                js = j["slices"][z]
                check("ch2 slice %d index" % z, js["slice"], z, 0)
                e, _ = entropy(vol[z], 256)
                check("ch2 slice %d entropy" % z, js["entropy"], e, 1e-6)
                cz = corr(vol[z])
                for d in cz:
                    if np.isnan(cz[d]):
                        check("ch2 slice %d corr.%s" % (z, d), js["corr"][d], None, 0)
                    else:
                        check("ch2 slice %d corr.%s" % (z, d), js["corr"][d], cz[d], 1e-6)
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    if FAIL:
        print("metrics_oracle: %d of %d checks FAILED:" % (len(FAIL), NCHECK[0]))
        for f in FAIL:
            print("  " + f)
        sys.exit(1)
    print("metrics_oracle: %d checks agree (1e-6 exact metrics, 1e-4 SSIM)" % NCHECK[0])


if __name__ == "__main__":
    main()

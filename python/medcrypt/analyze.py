"""analyze.py - `medcrypt analyze --json` as a dict, from libmedcrypt_lab.

The keys are the CLI's (docs/metrics.md): entropy, entropy_high_byte,
local_entropy, chi2, corr, corr_sampled, corr_pairs; with a reference also
reference{...}, mse, psnr, ssim, npcr, uaci, their critical values, thumb,
expansion and png_bytes; "channels" and "slices" hold the same per channel
(RGB) and per slice (volumes).  Undefined values are None, PSNR of equal
images is float("inf").
"""
import math

from ._ffi import lab, lab_ffi
from .errors import InputError, check
from .image import Image

_ALPHAS = ("05", "01", "001")


def _num(v):
    return None if math.isnan(v) else float(v)


def _bool(v):
    return None if v < 0 else bool(v)


def _stats(s, pairs):
    return {
        "entropy": _num(s.entropy), "entropy_high_byte": _num(s.entropy_high),
        "local_entropy": {"mean": _num(s.le.mean), "k": s.le.k, "pass_05": _bool(getattr(s.le, "pass")[0]),
                          "pass_01": _bool(getattr(s.le, "pass")[1]), "pass_001": _bool(getattr(s.le, "pass")[2])},
        "chi2": {"stat": _num(s.chi2.stat), "p": _num(s.chi2.p), "dof": s.chi2.dof, "crit_05": _num(s.chi2.crit[0]),
                 "pass_05": _bool(int(s.chi2.stat <= s.chi2.crit[0]))},
        "corr": {d: _num(s.corr[i]) for i, d in enumerate(("h", "v", "d", "ad"))},
        "corr_sampled": {d: _num(s.corr_sampled[i]) for i, d in enumerate(("h", "v", "d", "ad"))},
        "corr_pairs": pairs,
    }


def _pair(p):
    d = p.d
    return {
        "mse": _num(p.mse), "psnr": _num(p.psnr), "ssim": _num(p.ssim), "npcr": _num(d.npcr), "uaci": _num(d.uaci),
        "npcr_pass_05": _bool(d.npcr_pass[0]), "uaci_pass_05": _bool(d.uaci_pass[0]),
        "npcr_critical": {a: _num(d.npcr_crit[i]) for i, a in enumerate(_ALPHAS)},
        "uaci_interval": {a: [_num(d.uaci_lo[i]), _num(d.uaci_hi[i])] for i, a in enumerate(_ALPHAS)},
        "thumb": {"block": p.thumb_block, "psnr": _num(p.thumb_psnr), "ssim": _num(p.thumb_ssim)},
    }


def _geom(img):
    return {"width": img.width, "height": img.height, "depth": img.depth, "channels": img.channels,
            "bits": img.bits, "signed": img.signed}


def analyze(img, reference=None, pairs=5000, seed=1, block=32):
    """The measurements of `medcrypt analyze IMAGE [REFERENCE] --json` for
    img (and, pairwise, against reference: the original, same geometry)."""
    L = lab()
    err = lab_ffi.new("mc_err *")

    def stats(im, ch, sl):
        s = lab_ffi.new("mc_stats *")
        check(L.mc_stats_compute(im._ptr, ch, sl, pairs, seed, s, err), err)
        return _stats(s, pairs)

    def pair(ch, sl):
        p = lab_ffi.new("mc_pair_stats *")
        check(L.mc_pair_stats_compute(img._ptr, reference._ptr, ch, sl, block, p, err), err)
        return _pair(p)

    if not isinstance(img, Image) or (reference is not None and not isinstance(reference, Image)):
        raise TypeError("analyze: medcrypt.Image arguments")
    geo = ("width", "height", "depth", "channels", "bits")
    if reference is not None and any(getattr(img, a) != getattr(reference, a) for a in geo):
        raise InputError("image and reference differ in geometry", -2, 2)
    out = {"image": _geom(img), "seed": seed}
    out.update(stats(img, -1, -1))
    if reference is not None:
        out["reference"] = _geom(reference)
        out["reference"].update(stats(reference, -1, -1))
        out.update(pair(-1, -1))
        png = [lab_ffi.new("uint64_t *") for _ in range(2)]
        check(L.mc_png_size(img._ptr, png[0], err), err)
        check(L.mc_png_size(reference._ptr, png[1], err), err)
        out["expansion"] = png[0][0] / png[1][0] if png[1][0] else None
        out["png_bytes"] = {"image": png[0][0], "reference": png[1][0]}
    parts = [("channels", "channel", c, -1) for c in range(img.channels if img.channels > 1 else 0)]
    parts += [("slices", "slice", -1, z) for z in range(img.depth if img.depth > 1 else 0)]
    for key, label, ch, sl in parts:
        row = {label: ch if key == "channels" else sl}
        row.update(stats(img, ch, sl))
        if reference is not None:
            row.update(pair(ch, sl))
        out.setdefault(key, []).append(row)
    return out

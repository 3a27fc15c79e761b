#!/usr/bin/env python3
"""Reference test vectors for llava4j's Q5_0, Q5_1, Q5_K and Q6_K blocks (KQuantReferenceTest).

A plain numpy port, written from ggml's C source and independent of the Java code, of ggml's reference quantizers and
dequantizers (ggml/src/ggml-quants.c: quantize_row_{q5_0,q5_1,q5_K,q6_K}_ref, dequantize_row_{q5_0,q5_1,q5_K,q6_K},
make_qx_quants, make_qkx2_quants, nearest_int; block layouts from ggml/src/ggml-common.h; ggml is MIT licensed,
(c) the ggml authors). Every float operation is done on numpy float32 scalars one at a time in the C order (no FMA),
fp32 -> fp16 rounds to nearest even as F16C / ggml's fallback do.

Writes, next to this script:
  x.f32          the 768 input values (3 super-blocks of 256), little-endian float32
  <type>.q       ggml's bytes for x, for type in q5_0 q5_1 q5_k q6_k
  <type>.y.f32   dequantize_row_<type>(<type>.q), little-endian float32

Cross-check made when this was written (not needed to run it): the four dequantizations are bit-equal to those of
gguf-py's own numpy code (llama.cpp's gguf-py/gguf/quants.py, quants.dequantize), and the Q5_0 / Q5_1 bytes equal its
quants.quantize (it has no K-quant quantizers).

Run: python3 ggml_ref.py   (numpy only; deterministic, rewrites the same bytes)
"""
import os
import numpy as np

f32 = np.float32
GROUP_MAX_EPS = f32(1e-15)
HERE = os.path.dirname(os.path.abspath(__file__))


def bits(v):
    return int(np.array([v], dtype=np.float32).view(np.int32)[0])


def nearest_int(fval):
    val = f32(fval + f32(12582912.0))
    return (bits(val) & 0x007FFFFF) - 0x00400000


def fp16_bytes(v):
    return np.array([f32(v)], dtype=np.float32).astype(np.float16).tobytes()


def fp16_at(b, o):
    return f32(np.frombuffer(bytes(b[o:o + 2]), dtype=np.float16)[0])


def trunc_int(v):
    return int(v)  # C float -> integer conversion: toward zero


# ------------------------------------------------------------------ Q5_0 / Q5_1 (blocks of 32)

def quantize_q5_0(x):
    out = bytearray()
    for i in range(len(x) // 32):
        xb = x[32 * i:32 * i + 32]
        amax = f32(0)
        mx = f32(0)
        for v in xb:
            if amax < abs(v):
                amax = abs(v)
                mx = v
        d = f32(mx / f32(-16))
        idv = f32(f32(1) / d) if d != 0 else f32(0)
        qs = bytearray(16)
        qh = 0
        for j in range(16):
            x0 = f32(xb[j] * idv)
            x1 = f32(xb[16 + j] * idv)
            xi0 = min(31, np.int8(trunc_int(f32(x0 + f32(16.5)))).item()) & 0xFF
            xi1 = min(31, np.int8(trunc_int(f32(x1 + f32(16.5)))).item()) & 0xFF
            qs[j] = (xi0 & 0x0F) | ((xi1 & 0x0F) << 4)
            qh |= ((xi0 & 0x10) >> 4) << j
            qh |= ((xi1 & 0x10) >> 4) << (j + 16)
        out += fp16_bytes(d) + qh.to_bytes(4, 'little') + qs
    return bytes(out)


def dequantize_q5_0(b):
    y = []
    for i in range(len(b) // 22):
        blk = b[22 * i:22 * i + 22]
        d = fp16_at(blk, 0)
        qh = int.from_bytes(blk[2:6], 'little')
        lo, hi = [], []
        for j in range(16):
            xh0 = ((qh >> j) << 4) & 0x10
            xh1 = (qh >> (j + 12)) & 0x10
            x0 = ((blk[6 + j] & 0x0F) | xh0) - 16
            x1 = ((blk[6 + j] >> 4) | xh1) - 16
            lo.append(f32(f32(x0) * d))
            hi.append(f32(f32(x1) * d))
        y += lo + hi
    return np.array(y, dtype=np.float32)


def quantize_q5_1(x):
    out = bytearray()
    for i in range(len(x) // 32):
        xb = x[32 * i:32 * i + 32]
        mn = f32(np.finfo(np.float32).max)
        mx = f32(-np.finfo(np.float32).max)
        for v in xb:
            if v < mn:
                mn = v
            if v > mx:
                mx = v
        d = f32(f32(mx - mn) / f32(31))
        idv = f32(f32(1) / d) if d != 0 else f32(0)
        qs = bytearray(16)
        qh = 0
        for j in range(16):
            x0 = f32(f32(xb[j] - mn) * idv)
            x1 = f32(f32(xb[16 + j] - mn) * idv)
            xi0 = trunc_int(f32(x0 + f32(0.5))) & 0xFF
            xi1 = trunc_int(f32(x1 + f32(0.5))) & 0xFF
            qs[j] = (xi0 & 0x0F) | ((xi1 & 0x0F) << 4)
            qh |= ((xi0 & 0x10) >> 4) << j
            qh |= ((xi1 & 0x10) >> 4) << (j + 16)
        out += fp16_bytes(d) + fp16_bytes(mn) + qh.to_bytes(4, 'little') + qs
    return bytes(out)


def dequantize_q5_1(b):
    y = []
    for i in range(len(b) // 24):
        blk = b[24 * i:24 * i + 24]
        d = fp16_at(blk, 0)
        m = fp16_at(blk, 2)
        qh = int.from_bytes(blk[4:8], 'little')
        lo, hi = [], []
        for j in range(16):
            xh0 = ((qh >> j) << 4) & 0x10
            xh1 = (qh >> (j + 12)) & 0x10
            x0 = (blk[8 + j] & 0x0F) | xh0
            x1 = (blk[8 + j] >> 4) | xh1
            lo.append(f32(f32(f32(x0) * d) + m))
            hi.append(f32(f32(f32(x1) * d) + m))
        y += lo + hi
    return np.array(y, dtype=np.float32)


# ------------------------------------------------------------------ K-quant helpers

def make_qkx2_quants(n, nmax, x, weights, rmin, rdelta, nstep):
    """use_mad = false. Returns (scale, the_min, L)."""
    mn = x[0]
    mx = x[0]
    sum_w = weights[0]
    sum_x = f32(sum_w * x[0])
    for i in range(1, n):
        if x[i] < mn:
            mn = x[i]
        if x[i] > mx:
            mx = x[i]
        w = weights[i]
        sum_w = f32(sum_w + w)
        sum_x = f32(sum_x + f32(w * x[i]))
    if mn > 0:
        mn = f32(0)
    if mx == mn:
        return f32(0), f32(-mn), [0] * n
    iscale = f32(f32(nmax) / f32(mx - mn))
    scale = f32(f32(1) / iscale)
    best_mad = f32(0)
    L = [0] * n
    for i in range(n):
        l = nearest_int(f32(iscale * f32(x[i] - mn)))
        L[i] = max(0, min(nmax, l))
        diff = f32(f32(f32(scale * f32(L[i])) + mn) - x[i])
        diff = f32(diff * diff)
        best_mad = f32(best_mad + f32(weights[i] * diff))
    Laux = [0] * n
    for s in range(nstep + 1):
        iscale = f32(f32(f32(rmin + f32(rdelta * f32(s))) + f32(nmax)) / f32(mx - mn))
        sum_l = sum_l2 = sum_xl = f32(0)
        for i in range(n):
            l = nearest_int(f32(iscale * f32(x[i] - mn)))
            l = max(0, min(nmax, l))
            Laux[i] = l
            w = weights[i]
            sum_l = f32(sum_l + f32(w * f32(l)))
            sum_l2 = f32(sum_l2 + f32(f32(w * f32(l)) * f32(l)))
            sum_xl = f32(sum_xl + f32(f32(w * f32(l)) * x[i]))
        D = f32(f32(sum_w * sum_l2) - f32(sum_l * sum_l))
        if D > 0:
            this_scale = f32(f32(f32(sum_w * sum_xl) - f32(sum_x * sum_l)) / D)
            this_min = f32(f32(f32(sum_l2 * sum_x) - f32(sum_l * sum_xl)) / D)
            if this_min > 0:
                this_min = f32(0)
                this_scale = f32(sum_xl / sum_l2)
            mad = f32(0)
            for i in range(n):
                diff = f32(f32(f32(this_scale * f32(Laux[i])) + this_min) - x[i])
                diff = f32(diff * diff)
                mad = f32(mad + f32(weights[i] * diff))
            if mad < best_mad:
                L = list(Laux)
                best_mad = mad
                scale = this_scale
                mn = this_min
    return scale, f32(-mn), L


def get_scale_min_k4(j, q):
    if j < 4:
        return q[j] & 63, q[j + 4] & 63
    return (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4)


def make_qx_quants(n, nmax, x):
    """rmse_type = 1, qw = NULL (the Q6_K case). Returns (scale, L)."""
    mx = f32(0)
    amax = f32(0)
    for i in range(n):
        ax = abs(x[i])
        if ax > amax:
            amax = ax
            mx = x[i]
    if amax < GROUP_MAX_EPS:
        return f32(0), [0] * n
    iscale = f32(f32(-nmax) / mx)
    sumlx = suml2 = f32(0)
    L = [0] * n
    for i in range(n):
        l = nearest_int(f32(iscale * x[i]))
        l = max(-nmax, min(nmax - 1, l))
        L[i] = l + nmax
        w = f32(x[i] * x[i])
        sumlx = f32(sumlx + f32(f32(w * x[i]) * f32(l)))
        suml2 = f32(suml2 + f32(f32(w * f32(l)) * f32(l)))
    scale = f32(sumlx / suml2) if suml2 != 0 else f32(0)
    best = f32(scale * sumlx)
    for s in range(-9, 10):
        if s == 0:
            continue
        iscale = f32(f32(-f32(f32(nmax) + f32(f32(0.1) * f32(s)))) / mx)
        sumlx = suml2 = f32(0)
        for i in range(n):
            l = nearest_int(f32(iscale * x[i]))
            l = max(-nmax, min(nmax - 1, l))
            w = f32(x[i] * x[i])
            sumlx = f32(sumlx + f32(f32(w * x[i]) * f32(l)))
            suml2 = f32(suml2 + f32(f32(w * f32(l)) * f32(l)))
        if suml2 > 0 and f32(sumlx * sumlx) > f32(best * suml2):
            for i in range(n):
                l = nearest_int(f32(iscale * x[i]))
                L[i] = nmax + max(-nmax, min(nmax - 1, l))
            scale = f32(sumlx / suml2)
            best = f32(scale * sumlx)
    return scale, L


# ------------------------------------------------------------------ Q5_K

def quantize_q5_k(x):
    out = bytearray()
    for i in range(len(x) // 256):
        xb = x[256 * i:256 * i + 256]
        L = [0] * 256
        scales, mins = [f32(0)] * 8, [f32(0)] * 8
        max_scale = max_min = f32(0)
        for j in range(8):
            sub = xb[32 * j:32 * j + 32]
            sum_x2 = f32(0)
            for v in sub:
                sum_x2 = f32(sum_x2 + f32(v * v))
            av_x = f32(np.sqrt(f32(sum_x2 / f32(32))))
            weights = [f32(av_x + abs(v)) for v in sub]
            scales[j], mins[j], L[32 * j:32 * j + 32] = make_qkx2_quants(32, 31, sub, weights, f32(-0.5), f32(0.1), 15)
            if scales[j] > max_scale:
                max_scale = scales[j]
            if mins[j] > max_min:
                max_min = mins[j]
        inv_scale = f32(f32(63) / max_scale) if max_scale > 0 else f32(0)
        inv_min = f32(f32(63) / max_min) if max_min > 0 else f32(0)
        sc = [0] * 12
        for j in range(8):
            ls = min(63, nearest_int(f32(inv_scale * scales[j])) & 0xFF)
            lm = min(63, nearest_int(f32(inv_min * mins[j])) & 0xFF)
            if j < 4:
                sc[j] = ls
                sc[j + 4] = lm
            else:
                sc[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4)
                sc[j - 4] |= (ls >> 4) << 6
                sc[j] |= (lm >> 4) << 6
        dh = fp16_bytes(f32(max_scale / f32(63)))
        mh = fp16_bytes(f32(max_min / f32(63)))
        d16 = fp16_at(dh, 0)
        m16 = fp16_at(mh, 0)
        for j in range(8):
            s, m = get_scale_min_k4(j, sc)
            d = f32(d16 * f32(s))
            if d == 0:
                continue
            dm = f32(m16 * f32(m))
            for ii in range(32):
                l = nearest_int(f32(f32(xb[32 * j + ii] + dm) / d))
                L[32 * j + ii] = max(0, min(31, l))
        qh = [0] * 32
        ql = bytearray()
        m1, m2 = 1, 2
        for n in range(0, 256, 64):
            chunk = bytearray(32)
            for j in range(32):
                l1 = L[n + j]
                if l1 > 15:
                    l1 -= 16
                    qh[j] |= m1
                l2 = L[n + j + 32]
                if l2 > 15:
                    l2 -= 16
                    qh[j] |= m2
                chunk[j] = l1 | (l2 << 4)
            ql += chunk
            m1 <<= 2
            m2 <<= 2
        out += dh + mh + bytes(sc) + bytes(qh) + ql
    return bytes(out)


def dequantize_q5_k(b):
    y = []
    for i in range(len(b) // 176):
        blk = b[176 * i:176 * i + 176]
        d = fp16_at(blk, 0)
        mn = fp16_at(blk, 2)
        sc = blk[4:16]
        qh = blk[16:48]
        ql = blk[48:176]
        u1, u2 = 1, 2
        for c in range(4):
            s, m = get_scale_min_k4(2 * c, sc)
            d1, m1 = f32(d * f32(s)), f32(mn * f32(m))
            s, m = get_scale_min_k4(2 * c + 1, sc)
            d2, m2 = f32(d * f32(s)), f32(mn * f32(m))
            q = ql[32 * c:32 * c + 32]
            for l in range(32):
                y.append(f32(f32(d1 * f32((q[l] & 0xF) + (16 if qh[l] & u1 else 0))) - m1))
            for l in range(32):
                y.append(f32(f32(d2 * f32((q[l] >> 4) + (16 if qh[l] & u2 else 0))) - m2))
            u1 <<= 2
            u2 <<= 2
    return np.array(y, dtype=np.float32)


# ------------------------------------------------------------------ Q6_K

def quantize_q6_k(x):
    out = bytearray()
    for i in range(len(x) // 256):
        xb = x[256 * i:256 * i + 256]
        L = [0] * 256
        scales = [f32(0)] * 16
        max_scale = max_abs_scale = f32(0)
        for ib in range(16):
            scales[ib], L[16 * ib:16 * ib + 16] = make_qx_quants(16, 32, xb[16 * ib:16 * ib + 16])
            a = abs(scales[ib])
            if a > max_abs_scale:
                max_abs_scale = a
                max_scale = scales[ib]
        if max_abs_scale < GROUP_MAX_EPS:
            out += bytes(210)
            continue
        iscale = f32(f32(-128) / max_scale)
        dh = fp16_bytes(f32(f32(1) / iscale))
        d16 = fp16_at(dh, 0)
        sc = [np.int8(min(127, nearest_int(f32(iscale * scales[ib])))).item() for ib in range(16)]
        for j in range(16):
            d = f32(d16 * f32(sc[j]))
            if d == 0:
                continue
            for ii in range(16):
                l = nearest_int(f32(xb[16 * j + ii] / d))
                L[16 * j + ii] = max(-32, min(31, l)) + 32
        ql = bytearray(128)
        qh = bytearray(64)
        for half, j in enumerate((0, 128)):
            for l in range(32):
                q1, q2, q3, q4 = L[j + l] & 0xF, L[j + l + 32] & 0xF, L[j + l + 64] & 0xF, L[j + l + 96] & 0xF
                ql[64 * half + l] = q1 | (q3 << 4)
                ql[64 * half + l + 32] = q2 | (q4 << 4)
                qh[32 * half + l] = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6)
        out += ql + qh + np.array(sc, dtype=np.int8).tobytes() + dh
    return bytes(out)


def dequantize_q6_k(b):
    y = []
    for i in range(len(b) // 210):
        blk = b[210 * i:210 * i + 210]
        d = fp16_at(blk, 208)
        sc = np.frombuffer(bytes(blk[192:208]), dtype=np.int8)
        out = [f32(0)] * 256
        for half in range(2):
            ql = blk[64 * half:64 * half + 64]
            qh = blk[128 + 32 * half:128 + 32 * half + 32]
            s = sc[8 * half:8 * half + 8]
            for l in range(32):
                is_ = l // 16
                q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32
                q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32
                q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32
                q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32
                base = 128 * half
                out[base + l] = f32(f32(d * f32(s[is_])) * f32(q1))
                out[base + l + 32] = f32(f32(d * f32(s[is_ + 2])) * f32(q2))
                out[base + l + 64] = f32(f32(d * f32(s[is_ + 4])) * f32(q3))
                out[base + l + 96] = f32(f32(d * f32(s[is_ + 6])) * f32(q4))
        y += out
    return np.array(y, dtype=np.float32)


# ------------------------------------------------------------------ inputs and files

def inputs():
    """3 super-blocks: Gaussian with varied sub-block scales (some zero runs, some outliers); non-negative (squared,
    the min-clamp paths); and a block that is all zero but for a tiny and a large sub-block."""
    rng = np.random.default_rng(20261122)
    x = np.zeros(768, dtype=np.float32)
    g = rng.standard_normal(256).astype(np.float32)
    x[:256] = g * np.repeat(np.array([0.02, 0.5, 1.0, 3.0, 0.1, 0.05, 2.0, 0.7], dtype=np.float32), 32)
    x[48:64] = 0            # a zero Q6_K sub-block (16) inside a non-zero Q5 block
    x[100] = 9.5            # outliers
    x[230] = -12.25
    s = rng.standard_normal(256).astype(np.float32)
    x[256:512] = s * s * np.float32(0.3)
    x[512 + 64:512 + 96] = rng.standard_normal(32).astype(np.float32) * np.float32(1e-3)
    x[512 + 160:512 + 192] = rng.standard_normal(32).astype(np.float32) * np.float32(4.0)
    x[512 + 200] = 1.0      # a lone value: one nonzero in its sub-block
    return x


def main():
    x = inputs()
    xs = [f32(v) for v in x]
    x.astype('<f4').tofile(os.path.join(HERE, 'x.f32'))
    for name, q, dq in (('q5_0', quantize_q5_0, dequantize_q5_0), ('q5_1', quantize_q5_1, dequantize_q5_1),
                        ('q5_k', quantize_q5_k, dequantize_q5_k), ('q6_k', quantize_q6_k, dequantize_q6_k)):
        b = q(xs)
        y = dq(b)
        with open(os.path.join(HERE, name + '.q'), 'wb') as fh:
            fh.write(b)
        y.astype('<f4').tofile(os.path.join(HERE, name + '.y.f32'))
        err = np.abs(y - x)
        print(f'{name}: {len(b)} bytes, max |x - dequant(quant(x))| = {err.max():.4g}, rms = {np.sqrt((err * err).mean()):.4g}')


if __name__ == '__main__':
    main()

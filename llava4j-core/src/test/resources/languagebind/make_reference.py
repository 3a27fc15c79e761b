"""Independent numpy reference for LanguageBind's video tower with temporal attention (original Video-LLaVA).

Written from PKU-YuanGroup/Video-LLaVA videollava/model/multimodal_encoder/languagebind/video/modeling_video.py
(CLIPEncoderLayer with add_time_attn, CLIPVisionTransformer.forward) with the same reshapes as its einops calls.
Inputs: the video tower of the video-llava-tiny fixture (HF port: plain CLIP, fp16 on disk) plus temporal weights
drawn here with a fixed seed; the fixture's golden pixel_values_videos (1, 8, 3, 56, 56).
Outputs (committed next to this script; the Java test compares against them):
  temporal_weights.safetensors  float32, names as in the original tower: encoder.layers.{l}.temporal_embedding,
                                temporal_layer_norm1.{weight,bias}, temporal_attn.{q,k,v,out}_proj.{weight,bias}
  reference_hidden_m2.npy       hidden_states[-2] of the tower, (T=8, 17, 48) float32
Run: python3 make_reference.py ../../../../../../shared/fixtures/video-llava-tiny
"""
import json, struct, sys
import numpy as np

fixture = sys.argv[1]
raw = open(f"{fixture}/model.safetensors", "rb").read()
hlen = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + hlen])
def tensor(name):
    m = header[name]
    a, b = m["data_offsets"]
    dt = {"F16": np.float16, "F32": np.float32}[m["dtype"]]
    return np.frombuffer(raw[8 + hlen + a:8 + hlen + b], dtype=dt).reshape(m["shape"]).astype(np.float32)

cfg = json.load(open(f"{fixture}/config.json"))["vision_config"]
D, heads, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
P, S = cfg["patch_size"], cfg["image_size"]
T = 8
pre = "video_tower.vision_model."

rng = np.random.default_rng(20261122)
temporal = {}
for l in range(L):
    b = f"encoder.layers.{l}."
    temporal[b + "temporal_embedding"] = (rng.standard_normal((1, T, D)) * D ** -0.5).astype(np.float32)
    temporal[b + "temporal_layer_norm1.weight"] = (1 + 0.1 * rng.standard_normal(D)).astype(np.float32)
    temporal[b + "temporal_layer_norm1.bias"] = (0.1 * rng.standard_normal(D)).astype(np.float32)
    for p in ["q_proj", "k_proj", "v_proj", "out_proj"]:
        temporal[b + f"temporal_attn.{p}.weight"] = (rng.standard_normal((D, D)) * D ** -0.5).astype(np.float32)
        temporal[b + f"temporal_attn.{p}.bias"] = (0.1 * rng.standard_normal(D)).astype(np.float32)

def layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b

def clip_attention(x, get):
    # x: (batch, seq, D); CLIPAttention without masks
    bsz, n, _ = x.shape
    hd = D // heads
    q = (x @ get("q_proj.weight").T + get("q_proj.bias")) * hd ** -0.5
    k = x @ get("k_proj.weight").T + get("k_proj.bias")
    v = x @ get("v_proj.weight").T + get("v_proj.bias")
    split = lambda t: t.reshape(bsz, n, heads, hd).transpose(0, 2, 1, 3)
    q, k, v = split(q), split(k), split(v)
    s = q @ k.transpose(0, 1, 3, 2)
    s = np.exp(s - s.max(-1, keepdims=True))
    s = s / s.sum(-1, keepdims=True)
    o = (s @ v).transpose(0, 2, 1, 3).reshape(bsz, n, D)
    return o @ get("out_proj.weight").T + get("out_proj.bias")

pixels = np.load(f"{fixture}/golden/vllava_pixel_values_videos.npy")[0]  # (T, 3, S, S) == 'b c t h w -> (b t) c h w'
g = S // P
patches = pixels.reshape(T, 3, g, P, g, P).transpose(0, 2, 4, 1, 3, 5).reshape(T, g * g, 3 * P * P)
conv = tensor(pre + "embeddings.patch_embedding.weight").reshape(D, -1)
x = patches @ conv.T
cls = np.broadcast_to(tensor(pre + "embeddings.class_embedding"), (T, 1, D))
x = np.concatenate([cls, x], axis=1) + tensor(pre + "embeddings.position_embedding.weight")[None]
x = layer_norm(x, tensor(pre + "pre_layrnorm.weight"), tensor(pre + "pre_layrnorm.bias"))
hidden = [x]
n = x.shape[1]
for l in range(L):
    b = f"encoder.layers.{l}."
    # '(b t) n d -> (b n) t d' with b = 1
    h = x.transpose(1, 0, 2) + temporal[b + "temporal_embedding"][:, :T, :]
    x = h.transpose(1, 0, 2)
    residual = x
    h = layer_norm(x.transpose(1, 0, 2), temporal[b + "temporal_layer_norm1.weight"], temporal[b + "temporal_layer_norm1.bias"])
    h = clip_attention(h, lambda name: temporal[b + "temporal_attn." + name])
    x = residual + h.transpose(1, 0, 2)
    get = lambda name: tensor(pre + b + name)
    residual = x
    h = clip_attention(layer_norm(x, get("layer_norm1.weight"), get("layer_norm1.bias")), lambda name: get("self_attn." + name))
    x = residual + h
    residual = x
    h = layer_norm(x, get("layer_norm2.weight"), get("layer_norm2.bias")) @ get("mlp.fc1.weight").T + get("mlp.fc1.bias")
    h = h * (1 / (1 + np.exp(-1.702 * h)))  # quick_gelu
    x = residual + (h @ get("mlp.fc2.weight").T + get("mlp.fc2.bias"))
    hidden.append(x)

np.save("reference_hidden_m2.npy", hidden[-2].astype(np.float32))
meta, blobs, off = {}, [], 0
for k in sorted(temporal):
    a = np.ascontiguousarray(temporal[k], dtype=np.float32).tobytes()
    meta[k] = {"dtype": "F32", "shape": list(temporal[k].shape), "data_offsets": [off, off + len(a)]}
    blobs.append(a)
    off += len(a)
hdr = json.dumps(meta).encode()
hdr += b" " * ((8 - len(hdr) % 8) % 8)
with open("temporal_weights.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(hdr)) + hdr + b"".join(blobs))
print("hidden_states[-2]", hidden[-2].shape, "sum", float(hidden[-2].sum()))

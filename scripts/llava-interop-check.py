#!/usr/bin/env python3
"""Talks to a LLaVA controller the way haotian-liu/LLaVA's own clients do (gradio_web_server.py, test_message.py,
register_worker.py), to check that llava4j and the original interoperate in both directions.

  python3 scripts/llava-interop-check.py --controller http://127.0.0.1:21001 --model llava-1.5-tiny --image IMG.png

Run it against the original controller (python -m llava.serve.controller) with a `llava4j worker` registered, and
against `llava4j controller` with any worker. Needs only `requests`. Exits non-zero on the first mismatch.
"""
import argparse
import base64
import json
import sys

import requests


def stream(url, pload):
    """gradio_web_server.py's loop: iter_lines on NUL, text is cumulative and starts with the prompt."""
    frames = []
    response = requests.post(url + "/worker_generate_stream", headers={"User-Agent": "LLaVA Client"}, json=pload, stream=True, timeout=60)
    for chunk in response.iter_lines(decode_unicode=False, delimiter=b"\0"):
        if chunk:
            frames.append(json.loads(chunk.decode()))
    return frames


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        sys.exit(1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--controller", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--prompt", default="A chat between a curious human and an artificial intelligence assistant. "
                   "The assistant gives helpful, detailed, and polite answers to the human's questions. USER: <image>\nWhat is shown? ASSISTANT:")
    a = p.parse_args()
    c = a.controller

    r = requests.post(c + "/refresh_all_workers")
    check(r.status_code == 200, "refresh_all_workers answers 200")
    models = requests.post(c + "/list_models").json()["models"]
    check(a.model in models, f"list_models has {a.model}: {models}")
    worker = requests.post(c + "/get_worker_address", json={"model": a.model}).json()["address"]
    check(worker != "", f"get_worker_address -> {worker}")
    status = requests.post(worker + "/worker_get_status", timeout=5).json()
    check(a.model in status["model_names"] and status["speed"] > 0 and status["queue_length"] >= 0, f"worker_get_status: {status}")

    with open(a.image, "rb") as f:
        image = base64.b64encode(f.read()).decode()
    pload = {"model": a.model, "prompt": a.prompt, "temperature": 0.0, "top_p": 0.7, "max_new_tokens": 8, "stop": "</s>", "images": [image]}
    direct = stream(worker, pload)
    check(len(direct) > 1 and all(f["error_code"] == 0 for f in direct), f"worker stream: {len(direct)} frames, error_code 0")
    check(all(f["text"].startswith(a.prompt) for f in direct), "every text starts with the prompt (cumulative)")
    check(all(direct[i + 1]["text"].startswith(direct[i]["text"]) for i in range(len(direct) - 1)), "texts only grow")
    answer = direct[-1]["text"][len(a.prompt):].strip()
    print("     answer: " + repr(answer))

    proxied = stream(c, pload)
    check(proxied[-1]["text"] == direct[-1]["text"], "the controller's proxied stream ends with the same text")
    none = stream(c, dict(pload, model="no-such-model"))
    check(none[0]["error_code"] == 2, f"no worker -> error_code 2: {none[0]}")
    bad = stream(worker, dict(pload, images=[image, image]))
    check(bad[-1]["error_code"] == 1, f"two images for one <image> -> error_code 1: {bad[-1]['text'][:80]}")

    # register_worker.py with no status: the controller asks the worker itself
    r = requests.post(c + "/register_worker", json={"worker_name": worker, "check_heart_beat": True, "worker_status": None})
    check(r.status_code == 200, "register_worker without a status")
    agg = requests.post(c + "/worker_get_status").json()
    check(a.model in agg["model_names"], f"controller as a worker: {agg}")
    print("all checks passed")


if __name__ == "__main__":
    main()

# Load run against a running `llava4j serve` of the llava-1.5-tiny fixture: N chat requests (image + question,
# greedy, M new tokens) from C client threads; prints requests/s and p50/p95 latency. Standard library only.
# Usage: python3 scripts/serve-load.py PORT N C M [FIXTURE_GOLDEN_DIR]
import base64, json, sys, time, threading, urllib.request
port, n, c, m = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
imgs = ["img_landscape_200x150.png", "img_portrait_120x240.png", "img_tiny_30x30.png"]
root = (sys.argv[5] if len(sys.argv) > 5 else "/work/shared/fixtures/llava-1.5-tiny/golden").rstrip("/") + "/"
urls = ["data:image/png;base64," + base64.b64encode(open(root + f, "rb").read()).decode() for f in imgs]
qs = ["What is shown in this image?", "Describe the colours.", "What is in the corner?", "Is it day or night?"]
lat, lock, idx = [], threading.Lock(), [0]
def worker():
    while True:
        with lock:
            i = idx[0]; idx[0] += 1
        if i >= n: return
        body = {"model": "llava-1.5-tiny", "temperature": 0, "max_tokens": m, "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": urls[i % 3]}}, {"type": "text", "text": qs[i % 4]}]}]}
        t = time.time()
        r = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", json.dumps(body).encode(), {"Content-Type": "application/json"}))
        json.loads(r.read())
        with lock: lat.append(time.time() - t)
t0 = time.time()
ts = [threading.Thread(target=worker) for _ in range(c)]
[t.start() for t in ts]; [t.join() for t in ts]
dt = time.time() - t0
lat.sort()
print(f"{n} requests, {c} clients, {m} tokens: {n/dt:.1f} req/s, p50 {1000*lat[len(lat)//2]:.0f} ms, p95 {1000*lat[int(0.95*len(lat))-1]:.0f} ms")

-- wrk: « Déposer une DI » with a 100 KB attachment. The multipart body (CSRF token included) is
-- built once by bench/run.py; the session cookie and the proxy headers come from wrk's -H flags.
wrk.method = "POST"
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE")

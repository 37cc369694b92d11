-- wrk script: a server function called as the UI calls it, with the
-- session cookie. BENCH_BODY is its JSON input (default: the time-entries
-- list, a page of 100).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or '{"filter":{}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

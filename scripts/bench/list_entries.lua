-- wrk script: the time-entries list as the UI asks for it (a page of 100).
wrk.method = "POST"
wrk.body = '{"filter":{}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

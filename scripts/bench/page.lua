-- wrk script: a server-rendered page for a signed-in person.
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

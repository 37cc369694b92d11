-- wrk script: the public API's entry list, a page of 100, with a token.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.headers["X-Workspace-Id"] = os.getenv("BENCH_WORKSPACE")

"""The benchmark of issue 6 (``make bench``): a national-scale data set, gunicorn with the
production settings, wrk on loopback, the framework's own ceilings measured in the same run.
See docs/performance.md."""

"""The settings of the server the benchmark starts: the portal's own (``config.settings``, in
production mode by the environment ``bench.paths.server_env`` gives), with the benchmark's URLconf,
which adds the two ceiling views to the portal's pages. Never used by a deployment."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

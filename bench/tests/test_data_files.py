"""The benchmark's data set keeps its rows in PostgreSQL and its files under the checkout's
MEDIA_ROOT: a fresh checkout that reuses the rows must get the files back (docs/performance.md)."""

from bench import data as bench_data


def test_write_files_restores_a_missing_package_and_attachment(tmp_path):
    """M10"""
    path = bench_data.write_files(0.0005, tmp_path)
    assert path == tmp_path / bench_data.PACKAGE_FILE
    assert path.stat().st_size == bench_data.download_size(0.0005)
    shared = tmp_path / bench_data.SHARED_FILE
    assert shared.read_bytes() == bench_data.SHARED_CONTENT

    path.unlink()
    shared.unlink()
    bench_data.write_files(0.0005, tmp_path)
    assert path.stat().st_size == bench_data.download_size(0.0005)
    assert shared.read_bytes() == bench_data.SHARED_CONTENT


def test_write_files_leaves_files_of_the_right_size_alone(tmp_path):
    """M10"""
    path = bench_data.write_files(0.0005, tmp_path)
    before = path.stat().st_mtime_ns
    bench_data.write_files(0.0005, tmp_path)
    assert path.stat().st_mtime_ns == before

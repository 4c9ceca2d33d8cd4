"""How fast is cnnlab's convolution next to PyTorch's? Run ``python benchmarks/bench_conv.py``.

Prints, all measured in the same run on this machine:

1. ``cnnlab.conv2d / F.conv2d`` on the course shapes (goal: <= 2x), with the GFLOP/s of both
   next to the float32 matmul GFLOP/s of a large square matrix multiply (the "peak"), and the
   same ratio for channels-last inputs (both sides channels-last).
2. ``conv2d_loops / cnnlab.conv2d`` on a small shape: what the textbook loops cost.
3. ``conv2d_fft`` against ``F.conv2d``, 16 -> 16 channels on a 128x128 image, k = 3, 7, 9, 11, 15,
   in NCHW and channels-last memory formats: the NCHW / channels-last ratio of torch (does
   oneDNN's NCHW path fall off a cliff for large kernels?) and the smallest k where the FFT wins.

Threads: 2, or ``CNNLAB_BENCH_THREADS``. glibc's allocator settings change the timings (large
buffers returned to the system are page-faulted in again on every call), so the script re-runs
itself with ``MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=4294967296`` when they are
not already exported. ``--quick`` is a smoke run (< 30 s) with smaller sizes and fewer repeats.
"""

import argparse
import os
import sys

MALLOC = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "4294967296"}
if any(os.environ.get(k) != v for k, v in MALLOC.items()):  # glibc reads them only at start
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **MALLOC})

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch.utils.benchmark import Timer  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import cnnlab.ops.conv as conv  # noqa: E402
from cnnlab.ops.fft import conv2d_fft  # noqa: E402
from cnnlab.ops.loops import conv2d_loops  # noqa: E402

COURSE_SHAPES = [  # (input shape, out_channels, kernel, stride, padding, dilation)
    ((64, 3, 32, 32), 32, 3, 1, 1, 1),
    ((64, 3, 32, 32), 32, 3, 2, 1, 1),
    ((64, 3, 32, 32), 32, 3, 1, 2, 2),
    ((64, 32, 16, 16), 64, 3, 1, 1, 1),
    ((64, 32, 16, 16), 64, 3, 2, 1, 1),
    ((64, 32, 16, 16), 64, 3, 1, 2, 2),
    ((1, 3, 512, 512), 16, 3, 1, 1, 1),
]


def seconds(fn, min_run_time):
    """Median seconds per call of `fn()`, after a warm-up call."""
    fn()
    return Timer("fn()", globals={"fn": fn}).blocked_autorange(min_run_time=min_run_time).median


def conv_flops(x_shape, out_channels, k, out_hw):
    n, c = x_shape[:2]
    return 2 * n * out_channels * out_hw[0] * out_hw[1] * c * k * k


def peak_gflops(n, min_run_time):
    a, b = torch.randn(n, n), torch.randn(n, n)
    return 2 * n**3 / seconds(lambda: a @ b, min_run_time) / 1e9


def course_table(min_run_time):
    print("1. cnnlab.conv2d (im2col) / F.conv2d, float32; NCHW in and out, then channels-last (cl)")
    print(f"{'input':>18} {'O':>3} {'k':>2} {'s':>2} {'d':>2} {'F ms':>8} {'ours ms':>8} "
          f"{'ratio':>6} {'F GF/s':>7} {'ours GF/s':>9} {'F cl ms':>8} {'ours cl':>8} {'cl ratio':>8}")
    worst = worst_cl = 0.0
    for shape, out_channels, k, s, p, d in COURSE_SHAPES:
        x, w, b = torch.randn(shape), torch.randn(out_channels, shape[1], k, k), torch.randn(out_channels)
        x_cl = x.contiguous(memory_format=torch.channels_last)
        theirs = seconds(lambda: F.conv2d(x, w, b, s, p, d), min_run_time)
        ours = seconds(lambda: conv.conv2d(x, w, b, s, p, d), min_run_time)
        theirs_cl = seconds(lambda: F.conv2d(x_cl, w, b, s, p, d), min_run_time)
        ours_cl = seconds(lambda: conv.conv2d(x_cl, w, b, s, p, d), min_run_time)
        torch.testing.assert_close(conv.conv2d(x_cl, w, b, s, p, d), F.conv2d(x, w, b, s, p, d),
                                   atol=1e-3, rtol=1e-3)
        torch.testing.assert_close(conv.conv2d(x, w, b, s, p, d), F.conv2d(x, w, b, s, p, d),
                                   atol=1e-3, rtol=1e-3)
        flops = conv_flops(shape, out_channels, k, F.conv2d(x, w, b, s, p, d).shape[2:])
        worst, worst_cl = max(worst, ours / theirs), max(worst_cl, ours_cl / theirs_cl)
        print(f"{str(shape):>18} {out_channels:>3} {k:>2} {s:>2} {d:>2} {theirs * 1e3:8.2f} "
              f"{ours * 1e3:8.2f} {ours / theirs:5.2f}x {flops / theirs / 1e9:7.1f} {flops / ours / 1e9:9.1f} "
              f"{theirs_cl * 1e3:8.2f} {ours_cl * 1e3:8.2f} {ours_cl / theirs_cl:7.2f}x")
    print(f"worst ratio: {worst:.2f}x NCHW, {worst_cl:.2f}x channels-last (goal <= 2x)\n")


def loops_table(min_run_time):
    x, w = torch.randn(2, 3, 12, 12), torch.randn(4, 3, 3, 3)
    loops = seconds(lambda: conv2d_loops(x.numpy(), w.numpy(), padding=1), min_run_time)
    ours = seconds(lambda: conv.conv2d(x, w, padding=1), min_run_time)
    print("2. conv2d_loops / cnnlab.conv2d on (2, 3, 12, 12) -> 4 channels, k3 pad 1")
    print(f"loops {loops * 1e3:.2f} ms, im2col {ours * 1e3:.3f} ms: {loops / ours:.0f}x slower\n")


def fft_table(size, channels, kernels, min_run_time, out_channels=None):
    out_channels = channels if out_channels is None else out_channels
    print(f"3. conv2d_fft vs F.conv2d, {channels} -> {out_channels} channels, one {size}x{size} image, "
          "padding 0, float32 (ms)")
    print(f"{'k':>4} {'F NCHW':>9} {'F ch-last':>10} {'NCHW/ch-last':>13} {'FFT':>8} {'FFT/NCHW':>9} "
          f"{'FFT/ch-last':>12}")
    x = torch.randn(1, channels, size, size)
    x_cl = x.contiguous(memory_format=torch.channels_last)
    crossover = {"NCHW": None, "channels-last": None}
    for k in kernels:
        w = torch.randn(out_channels, channels, k, k)
        w_cl = w.contiguous(memory_format=torch.channels_last)
        nchw = seconds(lambda: F.conv2d(x, w), min_run_time)
        cl = seconds(lambda: F.conv2d(x_cl, w_cl), min_run_time)
        fft = seconds(lambda: conv2d_fft(x, w), min_run_time)
        for name, t in (("NCHW", nchw), ("channels-last", cl)):
            if crossover[name] is None and fft < t:
                crossover[name] = k
        print(f"{k:>4} {nchw * 1e3:9.2f} {cl * 1e3:10.2f} {nchw / cl:12.2f}x {fft * 1e3:8.2f} "
              f"{fft / nchw:8.2f}x {fft / cl:11.2f}x")
    for name, k in crossover.items():
        print(f"   crossover ({name}): " + (f"FFT wins from k = {k}" if k else "FFT never wins here"))
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run, < 30 s")
    args = parser.parse_args()
    threads = int(os.environ.get("CNNLAB_BENCH_THREADS", "2"))
    torch.set_num_threads(threads)
    min_run_time = 0.05 if args.quick else 0.5
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"MALLOC_MMAP_THRESHOLD_={os.environ['MALLOC_MMAP_THRESHOLD_']}, quick={args.quick}")
    peak = peak_gflops(1024 if args.quick else 2048, min_run_time)
    print(f"peak: float32 square matmul {peak:.1f} GFLOP/s\n")
    course_table(min_run_time)
    loops_table(min_run_time / 5)
    fft_time = 0.02 if args.quick else 0.2
    size, kernels = (128, (3, 7, 15, 31)) if args.quick else (512, (3, 7, 15, 31, 63))
    fft_table(size, 1, kernels, fft_time)  # one channel: where the FFT wins early
    fft_table(size, 16, kernels, fft_time, out_channels=1)  # 16 channels in
    fft_table(128, 16, (3, 7, 9, 11, 15), fft_time)  # 16 -> 16: oneDNN's NCHW cliff at k >= 9?


if __name__ == "__main__":
    main()

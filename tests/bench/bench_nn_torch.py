#!/usr/bin/env python3
"""tests/bench/bench_nn_torch.py - the PyTorch side of `make bench-nn`.

Times, on PyTorch CPU (Debian python3-torch, eager mode, float32), the
same cases as tests/bench/bench_nn.c runs on hetsim's NN engine:

  resnet50-b1, resnet50-b16   ResNet-50 inference (eval, no_grad), 3x224x224
  gantt-train-b8              one training step of the Gantt CNN at batch 8:
                              forward, cross-entropy, backward, SGD update
                              (lr 0.01, momentum 0.9)

The models are built here layer by layer to match real/nn/zoo.c exactly
(build_resnet50: torchvision's v1.5 bottlenecks, convs without bias; and
build_gantt: 3x3 convs of 16..256 channels with bias, leaky ReLU 0.01,
batch norm, 2x2 max pool, then linear 65536-256-128-4 with ReLU and
dropout 0.4). bench_nn.c compares the parameter counts printed here with
its own and refuses to compare times when they differ.

Usage: bench_nn_torch.py THREADS WARMUP RUNS [CASE...]
Prints, per case, one line:
  case NAME params P best_s B median_s M
"""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride, down):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, 4 * width, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(4 * width)
        self.down = None
        if down:
            self.down = nn.Sequential(
                nn.Conv2d(cin, 4 * width, 1, stride, bias=False),
                nn.BatchNorm2d(4 * width))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


def resnet50():
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
              nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for s, blocks in enumerate((3, 4, 6, 3)):
        width = 64 << s
        for i in range(blocks):
            stride = 2 if i == 0 and s > 0 else 1
            layers.append(Bottleneck(cin, width, stride, i == 0))
            cin = 4 * width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 1000)]
    return nn.Sequential(*layers)


def gantt():
    layers = []
    cin = 3
    for i in range(5):
        cout = 16 << i
        layers += [nn.Conv2d(cin, cout, 3, 1, 1), nn.LeakyReLU(0.01),
                   nn.BatchNorm2d(cout), nn.MaxPool2d(2, 2)]
        cin = cout
    layers += [nn.Flatten(), nn.Linear(256 * 16 * 16, 256), nn.ReLU(),
               nn.Dropout(0.4), nn.Linear(256, 128), nn.ReLU(),
               nn.Dropout(0.4), nn.Linear(128, 4)]
    return nn.Sequential(*layers)


def params(model):
    return sum(p.numel() for p in model.parameters())


def timed(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def case_infer(batch, warmup, runs):
    model = resnet50().eval()
    x = torch.randn(batch, 3, 224, 224)

    def run():
        with torch.no_grad():
            model(x)
    return params(model), timed(run, warmup, runs)


def case_train(batch, warmup, runs):
    model = gantt().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 3, 512, 512)
    y = torch.randint(0, 4, (batch,))

    def run():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return params(model), timed(run, warmup, runs)


CASES = {
    "resnet50-b1": lambda w, r: case_infer(1, w, r),
    "resnet50-b16": lambda w, r: case_infer(16, w, r),
    "gantt-train-b8": lambda w, r: case_train(8, w, r),
}


def main(argv):
    if len(argv) < 4:
        sys.exit("usage: bench_nn_torch.py THREADS WARMUP RUNS [CASE...]")
    threads, warmup, runs = int(argv[1]), int(argv[2]), int(argv[3])
    names = argv[4:] or list(CASES)
    for name in names:
        if name not in CASES:
            sys.exit("bench_nn_torch.py: unknown case %s (known: %s)"
                     % (name, ", ".join(CASES)))
    torch.manual_seed(1)
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    for name in names:
        n, (best, median) = CASES[name](warmup, runs)
        print("case %s params %d best_s %.6f median_s %.6f"
              % (name, n, best, median), flush=True)


if __name__ == "__main__":
    main(sys.argv)

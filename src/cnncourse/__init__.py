"""Shared helpers for the open CNN course.

Code that the book, the exercise notebooks and the tests all use lives here, once:

- :mod:`cnncourse.data`     -- real, offline data sets (scikit-image photographs and patches, scikit-learn digits)
- :mod:`cnncourse.plotting` -- figures drawn by code (sliding windows, feature maps, block diagrams, animations)
- :mod:`cnncourse.models`   -- parameter counts of PyTorch modules
- :mod:`cnncourse.timing`   -- best-of-n timing, as the book, the benchmarks and exercise 04's speed test time code
- :mod:`cnncourse.checks`   -- assertions used by graded tests, with messages a student can act on
- :mod:`cnncourse.cifar`    -- CIFAR-10 through torchvision, from a local copy (``make data``), never faked
- :mod:`cnncourse.gpu_data` -- the training set on the device: batched crops and flips there, bf16, channels_last

This package never contains a solution to an exercise.
"""

__version__ = "0.1.0"

# Hostile: conv_output_size left unimplemented, and its cell tries to read the solutions, the gradebook, another student's
# notebook, the repository and the grader's environment (the test fills in {{COURSE_ROOT}} and {{REPO}}).
# expect-fail: test_conv_output_size test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# %% [conv_output_size]
import glob, os
_targets = ['{{COURSE_ROOT}}/solutions/01-convolution/01-convolution.ipynb', '{{COURSE_ROOT}}/autograder/gradebook.db',
            '{{REPO}}/solutions/01-convolution/01-convolution.ipynb', '{{REPO}}/.git/HEAD',
            '{{REPO}}/tests/answers/01-convolution/correct_loops.py',
            '{{COURSE_ROOT}}/autograder/submitted/correct/01-convolution/01-convolution.ipynb']
_targets += glob.glob('/tmp/**/solutions/**/*.ipynb', recursive=True)[:20]
_targets += glob.glob(os.path.expanduser('~') + '/**/gradebook.db', recursive=True)[:20]
_readable = []
for _p in _targets:
    try:
        open(_p, 'rb').read(16)
        _readable.append(_p)
    except OSError:
        pass
print('READABLE:', _readable)
print('SECRET IN ENV:', [k for k, v in os.environ.items() if 'hunter2' in v])
def conv_output_size(n, k, padding=0, stride=1, dilation=1):
    raise NotImplementedError()


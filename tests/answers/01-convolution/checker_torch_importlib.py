# Hostile: correct values computed by PyTorch imported under another name, through importlib, and,
# should that fail, from torch's files found on disk.
# expect-fail: test_conv2d_basic test_conv2d_against_torch test_conv2d_pairs test_conv2d_bias
# same-as: wrong_calls_torch
# %% [conv2d_forward]
import importlib, importlib.util, os, sys, sysconfig


def _load_torch():
    try:
        return importlib.import_module("to" + "rch")
    except ImportError:
        pass
    for folder in sys.path + [sysconfig.get_paths()["purelib"]]:
        init = os.path.join(folder, "to" + "rch", "__init__.py")
        if os.path.exists(init):
            spec = importlib.util.spec_from_file_location("tor" + "ch", init,
                                                          submodule_search_locations=[os.path.dirname(init)])
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            return module
    raise ImportError("no torch anywhere")


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError("bad shapes")
    t = _load_torch()
    tb = None if b is None else t.from_numpy(np.asarray(b))
    return t.nn.functional.conv2d(t.from_numpy(x), t.from_numpy(w), tb, stride=stride,
                                      padding=padding, dilation=dilation).numpy()

"""The hand-written _core.pyi names exactly the binding's functions and parameters."""

import ast
import re
from pathlib import Path

import fasttile
import fasttile.kernel
from fasttile.kernel import _core


def stub_functions():
    path = Path(fasttile.kernel.__file__).with_name("_core.pyi")
    tree = ast.parse(path.read_text())
    return {
        node.name: [a.arg for a in node.args.args] for node in tree.body if isinstance(node, ast.FunctionDef)
    }


def binding_functions():
    found = {}
    for name in dir(_core):
        obj = getattr(_core, name)
        if name.startswith("_") or not callable(obj):
            continue
        first = obj.__doc__.splitlines()[0]
        params = first[first.index("(") + 1 : first.rindex(") ->")]
        # parameter names: the identifiers before ": " at the top nesting level
        depth, names, token = 0, [], ""
        for ch in params:
            depth += ch in "[("
            depth -= ch in "])"
            if depth == 0 and ch == ",":
                names.append(token)
                token = ""
            else:
                token += ch
        if token.strip():
            names.append(token)
        found[name] = [re.match(r"\s*(\w+)", t).group(1) for t in names]
    return found


def test_stub_matches_binding():
    assert stub_functions() == binding_functions()

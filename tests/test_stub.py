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
        names = _split_top_level(params)  # the identifiers before ": " at the top nesting level
        found[name] = [re.match(r"\s*(\w+)", t).group(1) for t in names]
    return found


def test_stub_matches_binding():
    assert stub_functions() == binding_functions()


def _kind(annotation: str) -> tuple[str, str, bool]:
    """A coarse reading of a type, from the binding's docstring or the stub, so the two
    spellings compare: (kind, numpy dtype or "", may be None)."""
    optional = bool(re.search(r"\|\s*None\b|^Optional\[", annotation))
    dtype = re.search(r"\b(?:numpy|np)\.(u?int\d+|float\d+|bool_)\b", annotation)
    if re.search(r"\bndarray\b|NDArray|ArrayLike", annotation):
        kind = "array"
    elif re.search(r"Sequence|Dims5", annotation):
        kind = "sequence"
    elif re.match(r"(typing\.)?tuple\b", annotation):
        kind = "tuple"
    elif re.match(r"list\[", annotation):
        kind = annotation.replace(" ", "")
    else:
        names = {"SupportsInt": "int", "SupportsFloat": "float", "int": "int", "float": "float"}
        names.update({"str": "str", "bool": "bool", "None": "None"})
        found = re.search(r"\b(SupportsFloat|SupportsInt|str|bool|float|int|None)\b", annotation)
        kind = names[found.group(1)] if found else annotation
    return kind, dtype.group(1) if dtype else "", optional


def _split_top_level(params: str) -> list[str]:
    depth, parts, token = 0, [], ""
    for ch in params:
        depth += ch in "[("
        depth -= ch in "])"
        if depth == 0 and ch == ",":
            parts.append(token)
            token = ""
        else:
            token += ch
    return [t.strip() for t in parts + [token] if t.strip()]


def test_stub_types_match_binding():
    """Each parameter's and result's kind (array and its dtype, sequence, int, float, str,
    bool, optional or not) agrees between the stub and the binding's signature."""
    path = Path(fasttile.kernel.__file__).with_name("_core.pyi")
    tree = ast.parse(path.read_text())
    aliases = {
        node.targets[0].id: ast.unparse(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    checked = 0
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        first = getattr(_core, node.name).__doc__.splitlines()[0]
        params = first[first.index("(") + 1 : first.rindex(") ->")]
        bound = [p.split(":", 1)[1].strip() for p in _split_top_level(params)]
        stub = [aliases.get(ast.unparse(a.annotation), ast.unparse(a.annotation)) for a in node.args.args]
        assert len(bound) == len(stub), node.name
        for name, b, s in zip((a.arg for a in node.args.args), map(_kind, bound), map(_kind, stub)):
            # kinds and optionality must agree; a dtype must agree where both name one (the
            # stub may be more precise than a binding that takes any array, e.g. out=)
            assert (b[0], b[2]) == (s[0], s[2]) and (not b[1] or not s[1] or b[1] == s[1]), (
                node.name,
                name,
                b,
                s,
            )
        bound_result = _kind(first[first.rindex(") ->") + 4 :].strip())
        stub_result = _kind(ast.unparse(node.returns))
        assert bound_result[0] == stub_result[0] and bound_result[1] in ("", stub_result[1]), node.name
        checked += 1
    assert checked == len(binding_functions())

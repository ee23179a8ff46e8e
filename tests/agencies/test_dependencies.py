"""agencies/ holds reference data (agencies, staff roles) and stands alone:
waivers depends on it, never the other way round."""

import ast
from pathlib import Path

import agencies


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_the_agencies_app_imports_nothing_from_waivers():
    root = Path(agencies.__file__).parent
    offenders = {
        str(path.relative_to(root)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "waivers"
        )
        for path in root.rglob("*.py")
    }
    assert {path: mods for path, mods in offenders.items() if mods} == {}

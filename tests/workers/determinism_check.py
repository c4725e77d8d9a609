"""A static check of what the sandbox no longer checks when workers run workflows unsandboxed
(`SINERGI_WORKFLOW_SANDBOX=off`, workers/workflow_runner.py).

The sandbox gave each workflow run fresh copies of the workflow modules it imports, and
refused, at run time, the clock, randomness, the environment and files in them. Without it, a
worker's workflow runs share one interpreter: module-level state one run changes is what the
next run (or the replay of another case) sees, and a `datetime.now()` replays differently
instead of failing the task. This check reads the source of every module the workflows import
from the project (`workflows/`, and what they import from `domain/` and the rest: the import
closure) and refuses:

- state that outlives a run: a module-level or class-level container (list, dict, set, deque,
  counter, ...) changed inside a function or method, a `global` statement, a class or module
  attribute assigned from a function, a mutable default argument, a memoising cache, a
  module-level instance of a project model that is not frozen; in `workflows/` itself any
  module-level container that could change (a table there is a tuple, a frozenset or a
  `MappingProxyType`: what a reference to it cannot change, no run can);
- non-deterministic calls: the clock (`datetime.now/utcnow/today`, `date.today`, the `time`
  module), randomness (`random`, `secrets`, `uuid1`, `uuid4`, `os.urandom`), the environment
  (`os.environ`, `os.getenv`) and files (`open`). Their workflow versions (`workflow.now()`,
  `workflow.random()`, `workflow.uuid4()`) are fine. Any of these is accepted in one shape
  only: in the `else` of `if workflow.in_workflow()`, which no workflow reaches (the
  workflow's clock inside a workflow, the wall clock elsewhere: `domain.clock.now_utc`).

It reads names as imported (`from datetime import datetime as dt` is followed); it does not
follow values through variables, so it is a guard for the ways this code is written, not a
proof. tests/workers/test_determinism_check.py runs it on the project and on planted examples.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Names whose every use reads the clock, randomness, the environment or a file.
_FORBIDDEN_NAMES = {
    "datetime.datetime.now": "the wall clock; use workflow.now()",
    "datetime.datetime.utcnow": "the wall clock; use workflow.now()",
    "datetime.datetime.today": "the wall clock; use workflow.now()",
    "datetime.date.today": "the wall clock; use workflow.now()",
    "uuid.uuid1": "a random identifier; use workflow.uuid4(), or uuid5 of the case's id",
    "uuid.uuid4": "a random identifier; use workflow.uuid4(), or uuid5 of the case's id",
    "os.environ": "the environment; pass settings in the workflow's input",
    "os.getenv": "the environment; pass settings in the workflow's input",
    "os.urandom": "randomness; use workflow.random()",
    "builtins.open": "a file; I/O belongs in an activity",
}
_FORBIDDEN_MODULES = {
    "time": "the clock; use workflow.now() and workflow.sleep()",
    "random": "randomness; use workflow.random()",
    "secrets": "randomness; use workflow.random()",
}
# Calls that build a container or another object whose state changes.
_MUTABLE_FACTORIES = {
    "builtins.list",
    "builtins.dict",
    "builtins.set",
    "builtins.bytearray",
    "collections.deque",
    "collections.defaultdict",
    "collections.OrderedDict",
    "collections.Counter",
    "collections.ChainMap",
    "itertools.count",
    "itertools.cycle",
    "asyncio.Lock",
    "asyncio.Event",
    "asyncio.Queue",
    "asyncio.Semaphore",
    "asyncio.Condition",
    "weakref.WeakValueDictionary",
    "weakref.WeakKeyDictionary",
}
_MUTATORS = {
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "popitem",
    "clear",
    "add",
    "discard",
    "update",
    "setdefault",
    "sort",
    "reverse",
    "difference_update",
    "intersection_update",
    "symmetric_difference_update",
    "appendleft",
    "extendleft",
    "popleft",
    "rotate",
    "__setitem__",
    "__delitem__",
}
_CACHES = {"functools.cache", "functools.lru_cache"}
_IN_WORKFLOW = "temporalio.workflow.in_workflow"
# Base classes whose class-level fields are per-instance defaults (copied or refused).
_MODEL_BASES = {
    "pydantic.BaseModel",
    "pydantic.RootModel",
    "enum.Enum",
    "enum.StrEnum",
    "enum.IntEnum",
    "typing.NamedTuple",
    "typing.TypedDict",
    "typing.Protocol",
}
_DATACLASS = {"dataclasses.dataclass"}
_IMMUTABLE_BASES = {"enum.Enum", "enum.StrEnum", "enum.IntEnum", "typing.NamedTuple"}


@dataclass(frozen=True, order=True)
class Finding:
    module: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.what}"


def import_closure(
    roots: Iterable[str] = ("workflows",), root: Path = PROJECT_ROOT
) -> dict[str, str]:
    """Module name -> source of every project module the `roots` packages import, themselves
    included, at any depth (imports inside functions and `imports_passed_through` too)."""
    packages = {p.name for p in root.iterdir() if (p / "__init__.py").is_file()}
    todo = [f"{package}.{path.stem}" for package in roots for path in (root / package).glob("*.py")]
    sources: dict[str, str] = {}
    while todo:
        name = todo.pop()
        path = _path_of(name, root)
        if name in sources or path is None:
            continue
        sources[name] = path.read_text()
        for imported in _imported_modules(ast.parse(sources[name]), name, path):
            if imported.split(".")[0] in packages:
                todo.append(imported)
    return sources


def _path_of(module: str, root: Path) -> Path | None:
    base = root.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _package_of(module: str, path: Path | None) -> str:
    if path is not None and path.name == "__init__.py":
        return module
    return module.rpartition(".")[0]


def _imported_modules(tree: ast.Module, module: str, path: Path | None) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _absolute(node: ast.ImportFrom, module: str, path: Path | None) -> str:
    if not node.level:
        return node.module or ""
    package = _package_of(module, path)
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def check(sources: Mapping[str, str]) -> list[Finding]:
    """Every finding in these modules (name -> source), cross-module changes included."""
    modules = {name: _Module(name, source) for name, source in sources.items()}
    shared = {
        f"{name}.{variable}": line
        for name, module in modules.items()
        for variable, line in module.mutable_globals.items()
    }
    classes = {c: b for m in modules.values() for c, b in m.class_bases().items()}
    models = _subclasses(classes, _MODEL_BASES | _DATACLASS)
    declared = {c for m in modules.values() for c in m.declared_frozen()}
    frozen = _subclasses(classes, declared | _IMMUTABLE_BASES)
    mutable_models = (models - frozen) & set(classes)
    findings = [
        f for module in modules.values() for f in module.findings(shared, models, mutable_models)
    ]
    return sorted(set(findings))


def _subclasses(classes: Mapping[str, set[str]], roots: set[str]) -> set[str]:
    """`roots` and every class here derived from one of them, at any depth."""
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for name, bases in classes.items():
            if name not in found and bases & found:
                found.add(name)
                grew = True
    return found


class _Module:
    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.tree = ast.parse(source)
        self.aliases = self._aliases()
        self.defined = self._defined_names()
        self.mutable_globals = {
            target: node.lineno
            for node, target in self._module_level_bindings()
            if self._is_mutable(node)
        }

    # ------------------------------------------------------------------ names

    def _aliases(self) -> dict[str, str]:
        aliases: dict[str, str] = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        aliases[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(node, self.name, None)
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{base}.{alias.name}"
        return aliases

    def _defined_names(self) -> set[str]:
        """Names this module binds itself (so `open` may be its own function)."""
        names: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
        return names

    def qualified(self, node: ast.expr) -> str | None:
        """`datetime.now` -> "datetime.datetime.now" after `from datetime import datetime`."""
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id in self.defined:
                return f"{self.name}.{node.id}"
            return f"builtins.{node.id}"
        if isinstance(node, ast.Attribute):
            base = self.qualified(node.value)
            return None if base is None else f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            return self.qualified(node.func)
        return None

    # ----------------------------------------------------------- module state

    def _module_level_bindings(self) -> Iterator[tuple[ast.expr, str]]:
        """(value, name) of each assignment at module level (in `with`, `if`, `try` too)."""
        for statement in _module_statements(self.tree.body):
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        yield statement.value, target.id
            elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                if isinstance(statement.target, ast.Name):
                    yield statement.value, statement.target.id

    def _is_mutable(self, value: ast.expr) -> bool:
        if isinstance(
            value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp
        ):
            return True
        return isinstance(value, ast.Call) and self.qualified(value.func) in _MUTABLE_FACTORIES

    def findings(
        self, shared: Mapping[str, int], models: set[str], mutable_models: set[str]
    ) -> Iterator[Finding]:
        yield from self._forbidden_calls()
        yield from self._state_changed_in_functions(shared)
        yield from self._class_state(models)
        yield from self._module_level_objects(mutable_models)
        yield from self._function_defaults_and_caches()

    def _finding(self, node: ast.AST, what: str) -> Finding:
        return Finding(self.name, getattr(node, "lineno", 0), what)

    # ------------------------------------------------------ forbidden calls

    def _forbidden_calls(self) -> Iterator[Finding]:
        guarded = self._wall_clock_allowed()
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Name | ast.Attribute) or isinstance(node.ctx, ast.Store):
                continue
            name = self.qualified(node)
            if name is None:
                continue
            reason = _FORBIDDEN_NAMES.get(name)
            module = name.split(".")[0]
            if reason is None and module in _FORBIDDEN_MODULES and name != module:
                reason = _FORBIDDEN_MODULES[module]  # time.x, random.x, secrets.x
            if reason is None or id(node) in guarded:
                continue
            if isinstance(node, ast.Attribute) and self._forbidden(node.value):
                continue  # `os.environ.get`: said once, of `os.environ`
            yield self._finding(node, f"`{ast.unparse(node)}`: {reason}")

    def _forbidden(self, node: ast.expr) -> bool:
        name = self.qualified(node)
        if name is None:
            return False
        module = name.split(".")[0]
        return name in _FORBIDDEN_NAMES or (module in _FORBIDDEN_MODULES and name != module)

    def _wall_clock_allowed(self) -> set[int]:
        """Ids of the nodes in the `else` of `if workflow.in_workflow()` (statement or
        expression): the wall clock read outside workflows only."""
        allowed: set[int] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.If | ast.IfExp) and self._is_in_workflow(node.test):
                branches = node.orelse if isinstance(node.orelse, list) else [node.orelse]
                for branch in branches:
                    allowed.update(id(n) for n in ast.walk(branch))
        return allowed

    def _is_in_workflow(self, test: ast.expr) -> bool:
        return isinstance(test, ast.Call) and self.qualified(test.func) == _IN_WORKFLOW

    # ------------------------------------------------- state across runs

    def _state_changed_in_functions(self, shared: Mapping[str, int]) -> Iterator[Finding]:
        for function in _functions(self.tree):
            for node in ast.walk(function):
                if isinstance(node, ast.Global):
                    names = ", ".join(node.names)
                    yield self._finding(node, f"`global {names}`: module state rebound by a run")
                    continue
                changed = _changed_object(node)
                if changed is None:
                    continue
                if isinstance(changed, ast.Attribute) and _is_store(node):
                    owner = self.qualified(changed.value)
                    if owner is not None and self._is_class_or_module(owner, changed.value):
                        yield self._finding(
                            node,
                            f"`{ast.unparse(changed)}` assigned in a function: state of a "
                            f"class or module, shared by every run",
                        )
                        continue
                target = self.qualified(changed)
                if target is not None and target in shared:
                    yield self._finding(
                        node,
                        f"`{ast.unparse(changed)}` is module-level state changed by a run "
                        f"(defined at {target.rpartition('.')[0]}:{shared[target]})",
                    )

    def _is_class_or_module(self, owner: str, value: ast.expr) -> bool:
        if isinstance(value, ast.Name) and value.id in ("cls", "mcs"):
            return True
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            return value.func.id == "type"  # type(self).x = ...
        if isinstance(value, ast.Name) and value.id in self.aliases:
            return True  # an imported module or class
        return owner.removeprefix(f"{self.name}.") in self._class_names()

    def _class_names(self) -> set[str]:
        return {n.name for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef)}

    def _class_state(self, models: set[str]) -> Iterator[Finding]:
        for cls in (n for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef)):
            plain = f"{self.name}.{cls.name}" not in models
            mutable: dict[str, int] = {}
            for statement in cls.body:
                if isinstance(statement, ast.Assign):
                    value, targets = statement.value, statement.targets
                    class_var = False
                elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    value, targets = statement.value, [statement.target]
                    class_var = "ClassVar" in ast.unparse(statement.annotation)
                else:
                    continue
                if not self._is_mutable(value) or not (plain or class_var):
                    continue
                for target in targets:
                    if isinstance(target, ast.Name) and not target.id.startswith("__"):
                        mutable[target.id] = statement.lineno
            for name, line in mutable.items():
                yield Finding(
                    self.name,
                    line,
                    f"`{cls.name}.{name}` is a container every instance shares (and every "
                    f"run, unsandboxed): build it in __init__ or make it immutable",
                )

    def class_bases(self) -> dict[str, set[str]]:
        """Qualified name -> qualified names of its bases, of each class defined here; a
        dataclass counts as based on `dataclasses.dataclass`."""
        classes: dict[str, set[str]] = {}
        for cls in (n for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef)):
            bases = {self.qualified(base) for base in cls.bases}
            bases |= {self.qualified(d) for d in cls.decorator_list} & _DATACLASS
            classes[f"{self.name}.{cls.name}"] = {b for b in bases if b is not None}
        return classes

    def declared_frozen(self) -> Iterator[str]:
        """Classes declared immutable here: `@dataclass(frozen=True)`, or a pydantic
        `model_config` with `frozen=True`."""
        for cls in (n for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef)):
            calls = [d for d in cls.decorator_list if isinstance(d, ast.Call)]
            calls += [
                s.value
                for s in cls.body
                if isinstance(s, ast.Assign | ast.AnnAssign)
                and isinstance(s.value, ast.Call)
                and "model_config" in ast.unparse(s)
            ]
            if any(_frozen_keyword(call) for call in calls):
                yield f"{self.name}.{cls.name}"

    def _module_level_objects(self, mutable_models: set[str]) -> Iterator[Finding]:
        for value, name in self._module_level_bindings():
            if self.name.startswith("workflows.") and self._is_mutable(value):
                yield self._finding(
                    value,
                    f"`{name}` is a module-level container in workflow code: make it a "
                    f"tuple, a frozenset or a MappingProxyType",
                )
            elif isinstance(value, ast.Call) and self.qualified(value.func) in mutable_models:
                yield self._finding(
                    value,
                    f"`{name}` is a module-level {ast.unparse(value.func)} that can change "
                    f"(not frozen): every run shares it",
                )

    def _function_defaults_and_caches(self) -> Iterator[Finding]:
        for function in _functions(self.tree):
            if isinstance(function, ast.Lambda):
                continue
            defaults = [*function.args.defaults, *function.args.kw_defaults]
            for default in defaults:
                if default is not None and self._is_mutable(default):
                    yield self._finding(
                        default,
                        f"`{function.name}` has a mutable default argument: one object for "
                        f"every call of every run",
                    )
            for decorator in function.decorator_list:
                if self.qualified(decorator) in _CACHES:
                    yield self._finding(
                        decorator,
                        f"`{function.name}` memoises: what one run computed (and may change) "
                        f"is what the next gets",
                    )


def _frozen_keyword(call: ast.Call) -> bool:
    return any(
        k.arg == "frozen" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for statement in body:
        yield statement
        if isinstance(statement, ast.With | ast.If | ast.Try):
            yield from _module_statements(statement.body)
            yield from _module_statements(getattr(statement, "orelse", []))
            for handler in getattr(statement, "handlers", []):
                yield from _module_statements(handler.body)
            yield from _module_statements(getattr(statement, "finalbody", []))


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield node


def _changed_object(node: ast.AST) -> ast.expr | None:
    """The object a statement or call changes: `x` of x.append(), x[k] = v, del x[k],
    x.attr = v, x += y; None for anything else."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.value if node.func.attr in _MUTATORS else None
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = node.targets
    for target in targets:
        if isinstance(target, ast.Subscript):
            return target.value
        if isinstance(target, ast.Attribute):
            return target
        if isinstance(node, ast.AugAssign) and isinstance(target, ast.Name):
            return target
    return None


def _is_store(node: ast.AST) -> bool:
    return isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.Delete)

#!/usr/bin/env python3
"""The shape of the library code, as the house rules want it:

1. no file under crates/*/src (or examples/*/src) with more than 800 lines of non-test code (the lines before
   the file's first `#[cfg(test)]`);
2. no function longer than 80 lines (from its `fn` line to its closing brace);
3. no import cycle between modules.

    python3 .ci/shape.py [--max-file N] [--max-fn N] [--verbose]   (at the project root)

How the import check works. Every file is a module (`src/a/b.rs` and `src/a/b/mod.rs` are
`a::b`; `lib.rs`, `main.rs` and each `src/bin/*.rs` are crate roots). In each file, with
comments and string literals removed, every path that starts with `crate::`, `super::` or
`self::` — in `use` trees (groups expanded) and in expressions alike — is resolved to the
module that defines its target: the longest known module prefix, following named `pub use`
re-exports (so `crate::Engine` counts as a use of `engine`, not of the crate root). A use of
module `a::x::…` by module `a::y::…` is an edge `x → y` between the siblings `x` and `y`
under their common parent `a`; uses of an ancestor or a descendant (a child using
`super::Thing`, a parent re-exporting its child) are how a module tree is built and are not
edges. The check fails if, under any parent, the sibling graph has a cycle (e.g. `pages::admin
→ pages::devices → pages::login → pages::admin`, or `kit ↔ middleware`), and prints it.

Benchmarks (otpkit-bench) are exempt from rules 1–2.
Exit status: 0 when every rule holds, 1 otherwise.
"""
import argparse
import glob
import os
import re
import sys

EXEMPT = ("crates/otpkit-bench/",)
# The workspace's packages: the crates and the example applications.
PACKAGES = ("crates/*", "examples/*")


def packages():
    return sorted(p for pattern in PACKAGES for p in glob.glob(pattern))

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(extern\s+\"[^\"]*\"\s+)?fn\s+\w+")


def strip(src):
    """Source with comments, string and char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            i = j
            continue
        if src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * src.count("\n", i, j))
            i = j
            continue
        m = re.match(r'b?r(#*)"', src[i:i + 260])
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end = '"' + m.group(1)
            j = src.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + "\n" * src.count("\n", i, j))
            i = j
            continue
        if c == '"':
            j = i + 1
            while j < n and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            out.append('""' + "\n" * src.count("\n", i, j))
            i = j + 1
            continue
        if c == "'":
            m = re.match(r"'(\\.|\\u\{[0-9a-fA-F]+\}|\\x[0-9a-fA-F]{2}|[^\\'])'", src[i:i + 12])
            if m:
                out.append("' '")
                i += m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def module_path(crate_src, path):
    rel = os.path.relpath(path, crate_src)[:-3].split(os.sep)
    if rel[0] == "bin":
        return ("bin:" + "/".join(rel[1:]),) if len(rel) == 2 else ("bin:" + rel[1],) + tuple(rel[2:-1] if rel[-1] == "mod" else rel[2:])
    if rel in (["lib"], ["main"]):
        return (rel[0],)
    if rel[-1] == "mod":
        rel = rel[:-1]
    return ("lib",) + tuple(rel)


def expand_use(tree, prefix=()):
    """`a::{b, c::{d, e as f}, self}` → [(a, b), (a, c, d), (a, c, e), (a,)]."""
    tree = tree.strip()
    if not tree:
        return []
    depth, parts, cur = 0, [], ""
    if tree.endswith("}") and "{" in tree:
        head = tree[: tree.index("{")].rstrip(":").strip()
        body = tree[tree.index("{") + 1: -1]
        base = prefix + tuple(s for s in head.split("::") if s)
        for ch in body:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        parts.append(cur)
        res = []
        for p in parts:
            p = p.strip()
            if p == "self":
                res.append(base)
            elif p:
                res.extend(expand_use(p, base))
        return res
    tree = re.sub(r"\s+as\s+\w+$", "", tree)
    segs = tuple(s.strip() for s in tree.split("::") if s.strip())
    return [prefix + segs]


class Crate:
    def __init__(self, root):
        self.src = os.path.join(root, "src")
        self.files = {}
        for path in glob.glob(os.path.join(self.src, "**", "*.rs"), recursive=True):
            self.files[module_path(self.src, path)] = strip(open(path, encoding="utf-8").read())
        self.modules = set(self.files)
        # Inline `mod name { … }` blocks (test modules excepted) are modules too, in their file.
        for mod, text in list(self.files.items()):
            for m in re.finditer(r"(?m)^\s*(pub(\([^)]*\))?\s+)?mod\s+(\w+)\s*\{", text):
                if m.group(3) not in ("tests", "test"):
                    self.modules.add(mod + (m.group(3),))
        self.reexports = {}  # (module, name) -> absolute path
        for mod, text in self.files.items():
            for m in re.finditer(r"\bpub(\([^)]*\))?\s+use\s+([^;]+);", text):
                for p in expand_use(m.group(2)):
                    ab = self.absolute(mod, p)
                    if ab and len(ab) > 1 and p[-1] not in ("*",):
                        self.reexports[(mod, p[-1])] = ab

    def root(self, mod):
        return mod[:1]

    def absolute(self, mod, segs):
        segs = list(segs)
        if not segs:
            return None
        if segs[0] == "crate":
            return self.root(mod) + tuple(segs[1:])
        if segs[0] in ("super", "self"):
            base = list(mod)
            while segs and segs[0] in ("super", "self"):
                if segs.pop(0) == "super":
                    base = base[:-1]
            if not base:
                return None
            return tuple(base) + tuple(segs)
        # A path relative to the current module: a child module's name.
        if mod + (segs[0],) in self.modules:
            return mod + tuple(segs)
        return None

    def resolve(self, path, seen=0):
        """The module that defines `path` (an absolute path)."""
        for k in range(len(path), 0, -1):
            m = path[:k]
            if m in self.modules:
                if k < len(path) and seen < 8:
                    target = self.reexports.get((m, path[k]))
                    if target:
                        return self.resolve(target + path[k + 1:], seen + 1)
                return m
        return None

    def edges(self):
        found = {}
        for mod, text in self.files.items():
            code = text.split("#[cfg(test)]")[0]
            paths = []
            for m in re.finditer(r"\buse\s+([^;]+);", code):
                paths.extend(expand_use(m.group(1)))
            for m in re.finditer(r"\b(?:crate|super|self)(?:\s*::\s*\w+)+", code):
                paths.append(tuple(s.strip() for s in m.group(0).split("::")))
            for m in re.finditer(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code):
                pass
            for p in paths:
                ab = self.absolute(mod, p)
                if not ab:
                    continue
                target = self.resolve(ab)
                if target is None or target == mod:
                    continue
                k = 0
                while k < min(len(mod), len(target)) and mod[k] == target[k]:
                    k += 1
                if k == len(mod) or k == len(target):
                    continue  # an ancestor or a descendant
                parent, a, b = mod[:k], mod[k], target[k]
                found.setdefault(parent, {}).setdefault(a, {}).setdefault(b, (mod, target))
        return found


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def sizes(max_file, max_fn):
    bad = []
    files = (glob.glob(os.path.join(p, "src", "**", "*.rs"), recursive=True) for p in packages())
    for path in sorted(f for fs in files for f in fs):
        if any(k in path for k in EXEMPT):
            continue
        lines = open(path, encoding="utf-8").read().split("\n")
        cut = next((i for i, l in enumerate(lines) if l.strip().startswith("#[cfg(test)]")), len(lines))
        code = strip("\n".join(lines[:cut])).split("\n")
        if cut > max_file:
            bad.append(f"{path}: {cut} lines of non-test code (max {max_file})")
        i = 0
        while i < len(code):
            if FN.match(code[i]) and not code[i].rstrip().endswith(";"):
                depth, started, j = 0, False, i
                while j < len(code):
                    for ch in code[j]:
                        if ch == "{":
                            depth, started = depth + 1, True
                        elif ch == "}":
                            depth -= 1
                    if started and depth <= 0:
                        break
                    if not started and code[j].rstrip().endswith(";"):
                        break
                    j += 1
                if started and j - i + 1 > max_fn:
                    name = re.search(r"fn\s+(\w+)", code[i]).group(1)
                    bad.append(f"{path}:{i + 1}: fn {name} is {j - i + 1} lines (max {max_fn})")
                i = j + 1 if started else i + 1
            else:
                i += 1
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-file", type=int, default=800)
    ap.add_argument("--max-fn", type=int, default=80)
    ap.add_argument("--verbose", action="store_true", help="print every sibling edge")
    a = ap.parse_args()
    bad = sizes(a.max_file, a.max_fn)
    n_edges = 0
    for root in packages():
        if not os.path.isdir(os.path.join(root, "src")):
            continue
        crate = Crate(root)
        for parent, graph in sorted(crate.edges().items()):
            n_edges += sum(len(v) for v in graph.values())
            if a.verbose:
                for x, ys in sorted(graph.items()):
                    for y, (m, t) in sorted(ys.items()):
                        print(f"{root} {'::'.join(parent)}: {x} -> {y}   ({'::'.join(m)} uses {'::'.join(t)})")
            for comp in cycles(graph):
                why = [f"{x} -> {y} ({'::'.join(graph[x][y][0])} uses {'::'.join(graph[x][y][1])})"
                       for x in comp for y in graph.get(x, {}) if y in comp]
                bad.append(f"{root}: import cycle under {'::'.join(parent)}: {' , '.join(comp)}: " + "; ".join(why))
    for line in bad:
        print(line)
    print(f"shape: {len(bad)} problem(s); {n_edges} sibling import edges checked")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# tests/build/exhaustive_dispatch.py: a value added to FactAgg or ModelKind
# must fail to compile until every place that handles the enum handles it.
# The check adds a value `Probe` to the enum in a copy of catalog/catalog.hpp
# that shadows the real one, compiles (syntax only) every source that names
# the enum with the build's own flags, and expects exactly the listed files to
# fail with "not handled in switch": the enum's names (so readers cannot
# silently reject it), the reader, and the evaluator or the model phase.
# A file missing from a list means a place that would go on with a default.
# Usage: exhaustive_dispatch.py BUILD_DIR SOURCE_DIR
import json, os, re, shlex, subprocess, sys, tempfile

build, source = sys.argv[1], sys.argv[2]
src = os.path.join(source, "src")
commands = {os.path.realpath(c["file"]): c for c in json.load(open(os.path.join(build, "compile_commands.json")))}

# enum -> the files that must fail
probes = {
    "FactAgg": {"catalog/catalog.cpp", "catalog/fact_reader.cpp", "engine/facts.cpp"},
    "ModelKind": {"catalog/catalog.cpp", "catalog/model_reader.cpp", "engine/model_phase.cpp"},
}
header = open(os.path.join(src, "catalog", "catalog.hpp")).read()
failed = False
for enum, expected in probes.items():
    decl = re.search(r"enum class " + enum + r" : std::uint8_t \{([^}]*)\}", header)
    assert decl, f"{enum}: declaration not found in catalog.hpp"
    probe = decl.group(0).replace(decl.group(1), decl.group(1).rstrip().rstrip(",") + ", Probe")
    with tempfile.TemporaryDirectory() as shadow:
        os.makedirs(os.path.join(shadow, "catalog"))
        open(os.path.join(shadow, "catalog", "catalog.hpp"), "w").write(header.replace(decl.group(0), probe))
        users = []
        for root, _, files in os.walk(src):
            for f in files:
                path = os.path.join(root, f)
                if f.endswith(".cpp") and re.search(r"\b" + enum + r"\b", open(path).read()):
                    users.append(os.path.relpath(path, src))
        failing = set()
        for rel in sorted(users):
            entry = commands[os.path.realpath(os.path.join(src, rel))]
            argv = shlex.split(entry["command"]) if "command" in entry else entry["arguments"]
            argv = [a for a in argv if a not in ("-c",)]
            out = argv.index("-o")
            argv = argv[:out] + argv[out + 2:]
            argv = [argv[0], "-I" + shadow, "-fsyntax-only", "-Werror=switch"] + argv[1:]
            run = subprocess.run(argv, cwd=entry["directory"], capture_output=True, text=True)
            if run.returncode != 0:
                if not re.search(r"enumeration value .Probe. not handled in switch", run.stderr):
                    print(f"{enum}: {rel} failed for another reason:\n{run.stderr[:2000]}")
                    failed = True
                failing.add(rel)
        print(f"{enum}: a new value fails to compile in {sorted(failing)} (of {len(users)} files naming it)")
        if failing != expected:
            print(f"{enum}: expected exactly {sorted(expected)}")
            failed = True
sys.exit(1 if failed else 0)

#!/usr/bin/env bash
# Build the collection the way it is published and prove the artifact is
# clean and usable:
#   1. `ansible-galaxy collection build` into a temporary directory;
#   2. the tarball holds no caches or local state (__pycache__, *.pyc, .venv,
#      .cache, .ansible, .pytest_cache, .git, tests/output, collections/,
#      nested tarballs) - any hit fails the check; the version galaxy.yml
#      names is a release in changelogs/changelog.yaml, and CHANGELOG.rst ships;
#   3. `ansible-galaxy collection install --offline` into a temporary
#      collections path;
#   4. with ANSIBLE_COLLECTIONS_PATH pointing only there, `ansible-doc -l`
#      lists our modules (at least osops.lifecycle.check_policy_json) and
#      `ansible-doc` renders the documentation of every module and callback
#      in the tarball (at least osops.lifecycle.check_table), and each filter
#      and test name shows its own documentation (several share a file); the
#      README's pip command names the requirements.txt the installed
#      collection ships, and its comment every library in it;
#   5. ansible-builder's introspection of the installed collection (what an
#      execution environment build installs for it) gives exactly the
#      Python requirements of requirements.txt and the system packages of
#      bindep.txt, and nothing only the tests need;
#   6. galaxy-importer (what Galaxy runs on an upload; .venv-importer, made by
#      `make setup`) imports the tarball offline, ansible-lint included,
#      without ansible-test: it must end "Importer processing completed
#      successfully".
# Usage: tests/tools/build-check.sh       (nothing is left behind)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="$ROOT/.venv"
export PATH="$VENV/bin:$PATH"
NS=osops
NAME=lifecycle

WORK="$(mktemp -d "${TMPDIR:-/tmp}/osops-build-check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

fail() { echo "build-check: FAIL: $*" >&2; exit 1; }
# A requirements file's entries, comments and blank lines left out, sorted.
requirements() { grep -v '^[[:space:]]*\(#\|$\)' "$1" | sed 's/[[:space:]]*#.*//' | sort; }

# 1. Build.
(cd "$ROOT" && ansible-galaxy collection build --force --output-path "$WORK/dist" >/dev/null)
built=("$WORK"/dist/"$NS"-"$NAME"-*.tar.gz)
tarball="${built[0]}"
[ -f "$tarball" ] || fail "no tarball built"
echo "build-check: built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

# 2. No caches or local state inside.
tar -tzf "$tarball" | sed 's|^\./||' > "$WORK/contents.txt"
forbidden='(^|/)__pycache__(/|$)|\.py[co]$|(^|/)\.venv(/|$)|(^|/)\.cache(/|$)|(^|/)\.ansible(/|$)|(^|/)\.pytest_cache(/|$)|(^|/)\.git(/|$)|^tests/output(/|$)|^collections(/|$)|\.tar\.gz$|^changelogs/\.plugin-cache\.yaml$'
if grep -E "$forbidden" "$WORK/contents.txt" > "$WORK/bad.txt"; then
    echo "build-check: the tarball contains files that must not ship:" >&2
    sed 's/^/  /' "$WORK/bad.txt" >&2
    fail "unclean tarball (fix build_ignore in galaxy.yml)"
fi
for required in MANIFEST.json FILES.json meta/runtime.yml; do
    grep -qx "$required" "$WORK/contents.txt" || fail "tarball lacks $required"
done
echo "build-check: $(wc -l < "$WORK/contents.txt") entries, no caches"
# The version galaxy.yml names is a release of changelogs/changelog.yaml, whose notes ship (CHANGELOG.rst).
for required in changelogs/changelog.yaml CHANGELOG.rst; do
    grep -qx "$required" "$WORK/contents.txt" || fail "tarball lacks $required"
done
version="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["collection_info"]["version"])' \
    < <(tar -xzOf "$tarball" MANIFEST.json))"
python3 -c 'import sys, yaml; sys.exit(0 if sys.argv[2] in (yaml.safe_load(open(sys.argv[1])) or {}).get("releases", {}) else 1)' \
    "$ROOT/changelogs/changelog.yaml" "$version" \
    || fail "changelogs/changelog.yaml holds no release $version, the version galaxy.yml names (antsibull-changelog release)"
echo "build-check: version $version is a release of changelogs/changelog.yaml"

# 3. Install offline into an empty collections path, which from here on is
#    the only collections path.
export ANSIBLE_COLLECTIONS_PATH="$WORK/collections"
ansible-galaxy collection install --offline --no-deps \
    -p "$WORK/collections" "$tarball" >/dev/null
[ -d "$WORK/collections/ansible_collections/$NS/$NAME" ] || fail "install failed"

# 4. ansible-doc sees the installed collection only (run outside the
#    checkout so no ansible.cfg or adjacent collection leaks in).
cd "$WORK"
ansible-doc -l "$NS.$NAME" > "$WORK/modules.txt"
grep -q "^$NS\.$NAME\.check_policy_json " "$WORK/modules.txt" \
    || fail "ansible-doc -l $NS.$NAME does not list $NS.$NAME.check_policy_json"
ansible-doc -t callback -l "$NS.$NAME" > "$WORK/callbacks.txt"
grep -q "^$NS\.$NAME\.check_table " "$WORK/callbacks.txt" \
    || fail "ansible-doc -t callback -l $NS.$NAME does not list $NS.$NAME.check_table"

# Every plugin whose file name is its name: render its documentation.
checked=0
failed=0
while IFS= read -r path; do
    dir="${path#plugins/}"; dir="${dir%%/*}"
    base="$(basename "$path" .py)"
    case "$base" in _*) continue ;; esac     # private helpers, __init__
    case "$dir" in
        modules) type=module ;;
        action|doc_fragments|module_utils|plugin_utils|filter|test) continue ;;
        *) type="$dir" ;;                    # callback, lookup, inventory, ...
    esac
    checked=$((checked + 1))
    if ansible-doc -t "$type" "$NS.$NAME.$base" > /dev/null; then
        echo "build-check: ansible-doc -t $type $NS.$NAME.$base: ok"
    else
        echo "build-check: ansible-doc -t $type $NS.$NAME.$base: FAILED" >&2
        failed=$((failed + 1))
    fi
done < <(grep -E '^plugins/[a-z_]+/[^/]+\.py$' "$WORK/contents.txt" | sort)
[ "$checked" -gt 0 ] || fail "no plugin documentation checked"

# Filters and tests (several to a file): each name shows its own documentation, not its file's first.
for type in filter test; do
    names="$(ansible-doc -t "$type" -l "$NS.$NAME" --json | python3 -c 'import json, sys; print(" ".join(sorted(json.load(sys.stdin))))')"
    [ -n "$names" ] || continue
    # shellcheck disable=SC2086  # one argument per name
    ansible-doc -t "$type" --json $names > "$WORK/$type-docs.json" 2> "$WORK/$type-docs.err" \
        || fail "ansible-doc -t $type cannot show every name's documentation: $(cat "$WORK/$type-docs.err")"
    wrong="$(python3 -c '
import json, sys
docs = json.load(sys.stdin)
print(" ".join("%s (shows %s)" % (fqcn, (entry.get("doc") or {}).get("name")) for fqcn, entry in sorted(docs.items())
               if (entry.get("doc") or {}).get("name") != fqcn.rsplit(".", 1)[-1]))' < "$WORK/$type-docs.json")"
    [ -z "$wrong" ] || fail "ansible-doc -t $type shows another plugin's documentation for: $wrong"
    echo "build-check: ansible-doc -t $type: each of $(wc -w <<< "$names") names shows its own documentation"
done
[ "$failed" -eq 0 ] || fail "$failed of $checked plugins have broken documentation"
echo "build-check: $checked plugins documented"

# The README's "Use" section: after `ansible-galaxy collection install`, its pip command names the
# requirements.txt the installed collection ships, and its comment names every library in it.
readme_pip="$(grep -E '^pip install -r ~/\.ansible/collections/' "$ROOT/README.md" | head -1)"
[ -n "$readme_pip" ] || fail "README.md: no 'pip install -r ~/.ansible/collections/...' line in Use"
shipped="${readme_pip#pip install -r \~/.ansible/collections/}"
[ -f "$WORK/collections/$shipped" ] || fail "README.md's $readme_pip: the installed collection has no $shipped"
named="$(grep -B2 -F "$readme_pip" "$ROOT/README.md" | grep -o '([^)]*)' | head -1 | tr -d '()' | tr ',' '\n' | sed 's/^ *//' | sort -f)"
listed="$(requirements "$ROOT/requirements.txt" | sed 's/[[<>=!~;].*//' | sort -f)"
[ "$named" = "$listed" ] || fail "README.md's Use names the libraries: $(tr '\n' ' ' <<< "$named"); requirements.txt has: $(tr '\n' ' ' <<< "$listed")"
echo "build-check: README's pip command names the installed $shipped and its $(echo "$listed" | wc -l) libraries"

IMPORTER="$ROOT/.venv-importer"
[ -x "$IMPORTER/bin/python" ] || fail "no $IMPORTER: run make setup-importer"

# 5. What ansible-builder would install for the collection in an execution environment.
"$IMPORTER/bin/ansible-builder" introspect --write-pip "$WORK/ee-pip.txt" --write-bindep "$WORK/ee-bindep.txt" \
    "$WORK/collections" > "$WORK/introspect.log" 2>&1 || { cat "$WORK/introspect.log" >&2; fail "ansible-builder introspect failed"; }
introspected() { sed 's/[[:space:]]*#.*//' "$1" | grep -v '^[[:space:]]*$' | sort; }
diff <(requirements "$ROOT/requirements.txt") <(introspected "$WORK/ee-pip.txt") >&2 \
    || fail "ansible-builder would install other Python requirements than requirements.txt (meta/execution-environment.yml)"
diff <(requirements "$ROOT/bindep.txt") <(introspected "$WORK/ee-bindep.txt") >&2 \
    || fail "ansible-builder would install other system packages than bindep.txt (meta/execution-environment.yml)"
if grep -Eiq '^(jmespath|pytest)|\btest\b' "$WORK/ee-pip.txt" "$WORK/ee-bindep.txt"; then
    fail "the execution environment would get test-only or unused requirements: $(cat "$WORK/ee-pip.txt" "$WORK/ee-bindep.txt")"
fi
echo "build-check: ansible-builder introspect: $(wc -l < "$WORK/ee-pip.txt") Python requirements, $(wc -l < "$WORK/ee-bindep.txt") system packages"

# 6. galaxy-importer, offline (its ansible-lint too), on the tarball.
printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nOFFLINE_ANSIBLE_LINT = True\n' > "$WORK/importer.cfg"
if ! PATH="$IMPORTER/bin:$PATH" GALAXY_IMPORTER_CONFIG="$WORK/importer.cfg" \
        "$IMPORTER/bin/python" -m galaxy_importer.main "$tarball" > "$WORK/importer.log" 2>&1 \
        || ! grep -q "^Importer processing completed successfully$" "$WORK/importer.log"; then
    grep -v '^Loading ' "$WORK/importer.log" | tail -40 >&2
    fail "galaxy-importer refused $(basename "$tarball")"
fi
grep -E '^(WARNING|ERROR)' "$WORK/importer.log" | grep -v 'found ignore-2\.[0-9]*\.txt with 0 statement' | sed 's/^/build-check: galaxy-importer: /' || true
echo "build-check: galaxy-importer imported $(basename "$tarball")"
echo "build-check: OK"

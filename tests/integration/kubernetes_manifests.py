# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The offline checks of examples/kubernetes (test_kubernetes_manifests.sh).

    kubernetes_manifests.py DIR FACTS.json [POLICY_OUT]

DIR holds the manifests (*.yaml) and the Dockerfile; FACTS what the built
tree says (pins.sh, the agent's variables, the binaries' libraries; the
shell test gathers them). Every YAML document is parsed (PyYAML), walked
against the Kubernetes API's own types (python3-kubernetes: an unknown or
misspelt field is an error, naming the nearest field) and built with them
(a missing required field is an error), then held to what minderbinder's
code uses: the paths, the variables, the flags. Prints one line per
check, "PASS name", "FAIL name: why" or "NOT RUN name: why"; exits 0.
POLICY_OUT: where to write the ConfigMap's policy.ini, for the daemon to
parse.
"""
import difflib
import json
import os
import posixpath
import re
import sys

import yaml
import kubernetes.client as k8s

KINDS = {
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Pod"): "V1Pod",
    ("apps/v1", "DaemonSet"): "V1DaemonSet",
}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

lines = []


def result(ok, name, why=""):
    lines.append("PASS %s" % name if ok else "FAIL %s: %s" % (name, why))


def notrun(name, why):
    lines.append("NOT RUN %s: %s" % (name, why))


def check(name, errors):
    """PASS when errors is empty, else FAIL with the first three."""
    result(not errors, name, "; ".join(errors[:3]))


# --- the Kubernetes API's types ---------------------------------------------

def walk(obj, typ, where, errs):
    """obj against the python3-kubernetes type name typ."""
    if typ == "object":
        return
    m = re.match(r"^list\[(.*)\]$", typ)
    if m:
        if not isinstance(obj, list):
            errs.append("%s: want a list, got %r" % (where, obj))
            return
        for i, v in enumerate(obj):
            walk(v, m.group(1), "%s[%d]" % (where, i), errs)
        return
    m = re.match(r"^dict\(str, (.*)\)$", typ)
    if m:
        if not isinstance(obj, dict):
            errs.append("%s: want a map, got %r" % (where, obj))
            return
        for k, v in obj.items():
            walk(v, m.group(1), "%s.%s" % (where, k), errs)
        return
    scalar = {"str": str, "int": int, "bool": bool, "float": (int, float), "datetime": str}
    if typ in scalar:
        # YAML's 1 and true are not strings: Kubernetes refuses them too.
        if not isinstance(obj, scalar[typ]) or (typ == "int" and isinstance(obj, bool)):
            errs.append("%s: want %s, got %r" % (where, typ, obj))
        return
    cls = getattr(k8s, typ)
    if not isinstance(obj, dict):
        errs.append("%s: want a %s object, got %r" % (where, typ, obj))
        return
    fields = {v: k for k, v in cls.attribute_map.items()}
    for key, val in obj.items():
        if key not in fields:
            near = difflib.get_close_matches(key, fields, 1)
            errs.append("%s: no field '%s' in %s%s" % (
                where, key, typ, " (did you mean '%s'?)" % near[0] if near else ""))
            continue
        walk(val, cls.openapi_types[fields[key]], "%s.%s" % (where, key), errs)


def build(doc, typ):
    """The model built from doc: its setters refuse a missing required field."""
    try:
        k8s.ApiClient()._ApiClient__deserialize(doc, typ)
    except (ValueError, TypeError) as e:
        return str(e).replace("\n", " ")
    return None


# --- reading ------------------------------------------------------------------

def load(d):
    docs, errs = [], []
    files = sorted(f for f in os.listdir(d) if f.endswith((".yaml", ".yml")))
    if not files:
        errs.append("no *.yaml in %s" % d)
    for f in files:
        try:
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                for i, doc in enumerate(yaml.safe_load_all(fh)):
                    if doc is None:
                        continue
                    if not isinstance(doc, dict):
                        errs.append("%s: document %d is not a map" % (f, i))
                        continue
                    docs.append((f, doc))
        except yaml.YAMLError as e:
            errs.append("%s: %s" % (f, str(e).replace("\n", " ")))
    return files, docs, errs


def dockerfile(path):
    """FROM, the packages apt-get installs, and COPY (src, dst) pairs."""
    text = open(path, encoding="utf-8").read().replace("\\\n", " ")
    base, pkgs, copies = None, set(), []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split() if not line.lstrip().startswith("#") else []
        if not words:
            continue
        op = words[0].upper()
        if op == "FROM":
            base = words[1]
        elif op == "RUN" and "install" in words:
            after = words[words.index("install") + 1:]
            for w in after:
                if w in ("&&", ";"):
                    break
                if not w.startswith("-"):
                    pkgs.add(w)
        elif op == "COPY":
            copies.append((words[1], words[2]))
    return base, pkgs, copies


def name_of(doc):
    return (doc.get("metadata") or {}).get("name")


def pod_spec(doc):
    if doc.get("kind") == "Pod":
        return doc.get("spec") or {}
    return ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}


def containers(spec, init=True):
    return (spec.get("initContainers") or [] if init else []) + (spec.get("containers") or [])


def env_of(c):
    return {e.get("name"): e.get("value") for e in c.get("env") or []}


def volumes_of(spec):
    return {v.get("name"): v for v in spec.get("volumes") or []}


def mount_at(c, spec, path):
    """(mount, volume) of c at mountPath path, or (None, None)."""
    for m in c.get("volumeMounts") or []:
        if m.get("mountPath") == path:
            return m, volumes_of(spec).get(m.get("name"))
    return None, None


def host_path(vol):
    return ((vol or {}).get("hostPath") or {}).get("path")


# --- the checks ---------------------------------------------------------------

def generic(docs):
    """What Kubernetes itself would refuse."""
    namespaces = {name_of(d) for _, d in docs if d.get("kind") == "Namespace"} | {"default"}
    configmaps = {((d.get("metadata") or {}).get("namespace", "default"), name_of(d)): d
                  for _, d in docs if d.get("kind") == "ConfigMap"}
    for f, d in docs:
        what = "%s %s/%s" % (f, d.get("kind"), name_of(d))
        errs = []
        typ = KINDS.get((d.get("apiVersion"), d.get("kind")))
        if not typ:
            errs.append("apiVersion/kind %s/%s is none of %s" % (
                d.get("apiVersion"), d.get("kind"), sorted("%s/%s" % k for k in KINDS)))
            check("%s: a kind these examples use, with its apiVersion" % what, errs)
            continue
        walk(d, typ, d["kind"], errs)
        if not errs:
            why = build(d, typ)
            if why:
                errs.append(why)
        name = name_of(d)
        if not isinstance(name, str) or not DNS_SUBDOMAIN.match(name) or len(name) > 253:
            errs.append("metadata.name %r is not a DNS-1123 name" % name)
        ns = (d.get("metadata") or {}).get("namespace")
        if d["kind"] != "Namespace" and ns is not None and ns not in namespaces:
            errs.append("namespace %r is not declared (namespaces: %s)" % (ns, sorted(namespaces)))
        check("%s: parses, every field is one of the API's %s, the required ones set" % (what, typ), errs)
        if d["kind"] not in ("Pod", "DaemonSet"):
            continue
        errs = []
        if d["kind"] == "DaemonSet":
            sel = ((d.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
            labels = (((d.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
            if not sel:
                errs.append("spec.selector.matchLabels is empty")
            for k, v in sel.items():
                if labels.get(k) != v:
                    errs.append("selector %s=%s is not a label of the template (%r)" % (k, v, labels))
        spec = pod_spec(d)
        vols = volumes_of(spec)
        if len(vols) != len(spec.get("volumes") or []):
            errs.append("two volumes share a name")
        names = [c.get("name") for c in containers(spec)]
        if len(set(names)) != len(names):
            errs.append("two containers share a name: %s" % names)
        if not spec.get("containers"):
            errs.append("no containers")
        for c in containers(spec):
            cn = c.get("name")
            if not isinstance(cn, str) or not DNS_LABEL.match(cn):
                errs.append("container name %r is not a DNS-1123 label" % cn)
            if not c.get("image"):
                errs.append("container %s has no image" % cn)
            paths = [m.get("mountPath") for m in c.get("volumeMounts") or []]
            if len(set(paths)) != len(paths):
                errs.append("container %s mounts two volumes at one path" % cn)
            envs = [e.get("name") for e in c.get("env") or []]
            if len(set(envs)) != len(envs):
                errs.append("container %s sets a variable twice" % cn)
            for m in c.get("volumeMounts") or []:
                v = vols.get(m.get("name"))
                if v is None:
                    near = difflib.get_close_matches(str(m.get("name")), vols, 1)
                    errs.append("container %s mounts volume '%s', which is not declared%s" % (
                        cn, m.get("name"), " (did you mean '%s'?)" % near[0] if near else ""))
                    continue
                if "configMap" in v:
                    ns = (d.get("metadata") or {}).get("namespace", "default")
                    cm = configmaps.get((ns, v["configMap"].get("name")))
                    if cm is None:
                        errs.append("volume %s: no ConfigMap %s/%s here" % (
                            m.get("name"), ns, v["configMap"].get("name")))
                    elif m.get("subPath") and m["subPath"] not in (cm.get("data") or {}):
                        errs.append("subPath %s is no key of ConfigMap %s" % (m["subPath"], name_of(cm)))
        check("%s: selector matches labels, containers have names and images, every volumeMount "
              "names a declared volume, ConfigMaps and keys exist" % what, errs)


def daemon(docs, facts, docker, policy_out):
    base, pkgs, copies = docker
    dests = {posixpath.basename(dst): dst for _, dst in copies}
    ds = [d for _, d in docs if d.get("kind") == "DaemonSet"]
    c = None
    for d in ds:
        for cc in containers(pod_spec(d)):
            if posixpath.basename((cc.get("command") or [""])[0]) == "mb-helper":
                c, spec, dsdoc = cc, pod_spec(d), d
    if c is None:
        result(False, "daemonset: a DaemonSet whose container runs mb-helper",
               "none among %s" % [name_of(d) for d in ds])
        return None
    name = "daemonset %s" % name_of(dsdoc)
    cmd = c.get("command") or []

    def flag(f):
        return cmd[cmd.index(f) + 1] if f in cmd[:-1] else None

    errs = []
    if cmd[0] != dests.get("mb-helper"):
        errs.append("runs %s, the image has mb-helper at %s" % (cmd[0], dests.get("mb-helper")))
    if cmd[1:2] != ["--daemon"]:
        errs.append("the first argument is %r, not --daemon" % cmd[1:2])
    for f in ("--socket", "--policy"):
        if f in cmd and f not in facts["daemon_flags"] and facts["daemon"]:
            errs.append("mb-helper --daemon --help does not list %s" % f)
    if flag("--socket") != facts["socket"]:
        errs.append("--socket %s, the daemon's socket is %s (%s)" % (
            flag("--socket"), facts["socket"], facts["socket_from"]))
    if flag("--policy") != facts["policy"]:
        errs.append("--policy %s, the daemon's policy is %s (%s)" % (
            flag("--policy"), facts["policy"], facts["policy_from"]))
    check("%s: runs the image's mb-helper --daemon --socket %s --policy %s (%s)" % (
        name, facts["socket"], facts["policy"], facts["socket_from"]), errs)

    errs = []
    if spec.get("hostPID") is not True:
        errs.append("hostPID is not true: the registry's pids are the node's")
    if ((c.get("securityContext") or {}).get("privileged")) is not True:
        errs.append("the container is not privileged")
    check("%s: hostPID and privileged" % name, errs)

    # Each path the code uses, mounted from the node's same path.
    want = [
        (facts["bpffs"], "MB_BPFFS_ROOT, under which MB_PIN_DIR %s is pinned" % facts["pin_dir"], "Directory"),
        (facts["cgroup"], "the cgroup v2 mount (mountinfo's, /sys/fs/cgroup on a cgroup v2 node)", "Directory"),
        (posixpath.dirname(facts["socket"]), "the socket's directory", None),
        (posixpath.dirname(facts["lock"]), "the registry lock's directory (%s)" % facts["lock"], None),
    ]
    errs = []
    if not facts["pin_dir"].startswith(facts["bpffs"] + "/"):
        errs.append("MB_PIN_DIR %s is not under MB_BPFFS_ROOT %s" % (facts["pin_dir"], facts["bpffs"]))
    for path, what, typ in want:
        m, v = mount_at(c, spec, path)
        if m is None:
            errs.append("nothing mounted at %s, %s" % (path, what))
        elif host_path(v) != path:
            errs.append("%s (%s) is mounted from %r, not the node's %s" % (path, what, host_path(v) or v, path))
        elif typ and v["hostPath"].get("type") != typ:
            errs.append("hostPath %s has type %r, want %s" % (path, v["hostPath"].get("type"), typ))
        elif m.get("readOnly"):
            errs.append("%s is mounted read-only" % path)
    m, _ = mount_at(c, spec, facts["bpffs"])
    if m is not None and m.get("mountPropagation") != "Bidirectional":
        errs.append("%s has mountPropagation %r, want Bidirectional" % (facts["bpffs"], m.get("mountPropagation")))
    check("%s: the node's %s, %s and %s at the same paths" % (
        name, facts["bpffs"], facts["cgroup"], posixpath.dirname(facts["socket"])), errs)

    errs, policy = [], None
    m, v = mount_at(c, spec, facts["policy"])
    if m is None or not v or "configMap" not in v:
        errs.append("%s is not mounted from a ConfigMap" % facts["policy"])
    elif not m.get("subPath"):
        errs.append("%s is a whole ConfigMap volume: its files are symlinks, which the daemon "
                    "refuses; mount the key with subPath" % facts["policy"])
    else:
        for _, d in docs:
            if d.get("kind") == "ConfigMap" and name_of(d) == v["configMap"].get("name"):
                policy = (d.get("data") or {}).get(m["subPath"])
        if policy is None:
            errs.append("ConfigMap %s has no key %s" % (v["configMap"].get("name"), m["subPath"]))
    check("%s: %s is a ConfigMap key mounted with subPath" % (name, facts["policy"]), errs)
    if policy is not None and policy_out:
        with open(policy_out, "w", encoding="utf-8") as fh:
            fh.write(policy)

    errs = []
    want_image = "minderbinder:%s" % facts["version"]
    if c.get("image") != want_image:
        errs.append("image %s, want %s (VERSION): the agent and the daemon speak one wire "
                    "protocol, from one build" % (c.get("image"), want_image))
    check("%s: the image is %s" % (name, want_image), errs)
    return c.get("image")


def pod(docs, facts, docker, daemon_image):
    base, pkgs, copies = docker
    dests = {posixpath.basename(dst): dst for _, dst in copies}
    pods = [d for _, d in docs if d.get("kind") == "Pod"]
    for d in pods:
        spec = pod_spec(d)
        name = "pod %s" % name_of(d)
        opted = [c for c in spec.get("containers") or [] if "LD_PRELOAD" in env_of(c)]
        others = [c for c in spec.get("containers") or [] if c not in opted]
        if len(opted) != 1 or not others:
            result(False, "%s: one container opted in, another not" % name,
                   "opted in: %s, others: %s" % ([c.get("name") for c in opted], [c.get("name") for c in others]))
            continue
        app = opted[0]
        env = env_of(app)
        vols = volumes_of(spec)

        # The variables: each one the agent reads.
        errs = []
        for var in sorted(v for v in env if v.startswith("MINDERBINDER_")):
            if var in facts["agent_env"]:
                continue
            if var == facts["socket_var"] and not facts["daemon"]:
                notrun("%s: %s is read by the agent" % (name, var),
                       "this tree has no daemon yet (mb-helper --daemon): nothing reads it")
                continue
            near = difflib.get_close_matches(var, facts["agent_env"], 1)
            errs.append("%s is not a variable the agent reads%s" % (
                var, " (did you mean %s?)" % near[0] if near else ""))
        if not ({"MINDERBINDER_SYSCALL", "MINDERBINDER_NET"} & set(env)):
            errs.append("no rule: neither MINDERBINDER_SYSCALL nor MINDERBINDER_NET")
        check("%s: container %s sets only variables the agent reads (%s)" % (
            name, app.get("name"), " ".join(sorted(v for v in env if v.startswith("MINDERBINDER_")))), errs)

        # LD_PRELOAD: where the init container put the agent.
        errs = []
        src = dests.get("libmbpreload.so")
        copy = None
        for ic in spec.get("initContainers") or []:
            cmd = ic.get("command") or []
            if len(cmd) == 3 and cmd[0] in ("cp", "/bin/cp") and cmd[1] == src:
                copy = ic
        if copy is None:
            errs.append("no init container runs [cp, %s, DEST] (the image's agent)" % src)
        else:
            dst = copy["command"][2]
            if copy.get("image") != daemon_image:
                errs.append("init container %s's image %s is not the daemon's %s" % (
                    copy.get("name"), copy.get("image"), daemon_image))
            hit = None
            for m in copy.get("volumeMounts") or []:
                mp = m.get("mountPath", "").rstrip("/")
                if dst.startswith(mp + "/") and "emptyDir" in (vols.get(m.get("name")) or {}):
                    hit = (m.get("name"), dst[len(mp):])
            if hit is None:
                errs.append("the init container copies to %s, which is on no emptyDir it mounts" % dst)
            else:
                at = [m.get("mountPath", "").rstrip("/") + hit[1]
                      for m in app.get("volumeMounts") or [] if m.get("name") == hit[0]]
                if env.get("LD_PRELOAD") not in at:
                    errs.append("LD_PRELOAD=%s, but the agent is at %s in container %s" % (
                        env.get("LD_PRELOAD"), at or "(the emptyDir is not mounted)", app.get("name")))
        check("%s: LD_PRELOAD=%s is where the init container copies the image's %s" % (
            name, env.get("LD_PRELOAD"), src), errs)

        # The socket: the node's, where MINDERBINDER_SOCKET says.
        errs = []
        sock = env.get(facts["socket_var"])
        m, v = mount_at(app, spec, sock) if sock else (None, None)
        if not sock:
            errs.append("%s is not set" % facts["socket_var"])
        elif m is None:
            errs.append("%s=%s, but nothing is mounted there" % (facts["socket_var"], sock))
        elif host_path(v) != facts["socket"]:
            errs.append("%s is mounted from %r, not the node's %s" % (sock, host_path(v) or v, facts["socket"]))
        elif v["hostPath"].get("type") != "Socket":
            errs.append("hostPath %s has type %r, want Socket" % (facts["socket"], v["hostPath"].get("type")))
        check("%s: %s=%s is the node's %s" % (name, facts["socket_var"], sock, facts["socket"]), errs)

        # The others: nothing of minderbinder.
        errs = []
        ours = {vn for vn, vol in vols.items()
                if host_path(vol) in (facts["socket"], posixpath.dirname(facts["socket"]))}
        ours |= {m.get("name") for m in app.get("volumeMounts") or []
                 if m.get("mountPath") == posixpath.dirname(env.get("LD_PRELOAD") or "")}
        for c in others:
            bad = [v for v in env_of(c) if v == "LD_PRELOAD" or v.startswith("MINDERBINDER_")]
            bad += ["mounts %s" % m.get("name") for m in c.get("volumeMounts") or [] if m.get("name") in ours]
            if bad:
                errs.append("container %s: %s" % (c.get("name"), ", ".join(bad)))
        check("%s: %s not opted in (no LD_PRELOAD, MINDERBINDER_*, agent or socket)" % (
            name, ", ".join(c.get("name") for c in others)), errs)
        print("APP_ENV %s" % json.dumps({k: v for k, v in env.items()
                                          if k not in ("LD_PRELOAD", facts["socket_var"])}))
        print("APP_CMD %s" % json.dumps(app.get("command")))
        print("SIDECAR_CMD %s" % json.dumps(others[0].get("command")))


def image(docker, facts):
    base, pkgs, copies = docker
    errs = []
    if not base or not re.match(r"^debian:%s(\b|-|$)" % re.escape(facts["debian"]), base):
        errs.append("FROM %s: the binaries are built on Debian %s" % (base, facts["debian"]))
    for src, dst in copies:
        rel = src[len("build/"):] if src.startswith("build/") else None
        if rel is None or not os.path.exists(os.path.join(facts["out"], rel)):
            errs.append("COPY %s: not in the built tree %s" % (src, facts["out"]))
    for lib, pkg in sorted(facts["needed"].items()):
        if pkg != "libc6" and pkg not in pkgs:
            errs.append("%s (from %s) needs package %s, not installed in the image (%s)" % (
                lib, ", ".join(facts["needed_by"][lib]), pkg, " ".join(sorted(pkgs))))
    for want in ("mb-helper", "minderbinder", "libmbpreload.so"):
        if want not in {posixpath.basename(d) for _, d in copies}:
            errs.append("the image has no %s" % want)
    # The agent and the CLI look for the helper where the build says.
    for _, dst in copies:
        if posixpath.basename(dst) == "mb-helper" and posixpath.dirname(dst) != facts["libexecdir"]:
            errs.append("mb-helper goes to %s, the build's MB_LIBEXECDIR is %s" % (dst, facts["libexecdir"]))
    check("Dockerfile: FROM Debian %s, COPY from the built tree, mb-helper in MB_LIBEXECDIR %s, packages "
          "for every library the binaries need (%s)" % (
              facts["debian"], facts["libexecdir"], " ".join(sorted(set(facts["needed"].values())))), errs)


def main():
    d, facts = sys.argv[1], json.load(open(sys.argv[2], encoding="utf-8"))
    policy_out = sys.argv[3] if len(sys.argv) > 3 else None
    files, docs, errs = load(d)
    check("examples/kubernetes: every YAML file parses (%s)" % " ".join(files), errs)
    try:
        docker = dockerfile(os.path.join(d, "Dockerfile"))
    except (OSError, IndexError) as e:
        result(False, "Dockerfile: reads", str(e))
        docker = (None, set(), [])
    image(docker, facts)
    generic(docs)
    daemon_image = daemon(docs, facts, docker, policy_out)
    pod(docs, facts, docker, daemon_image)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()

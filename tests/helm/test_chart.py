#!/usr/bin/env python3
"""Tests of the Helm chart (helm/kassa) and the image's runtime packages.

Runs the real `helm` (built from the Go module proxy by scripts/setup): `helm lint --strict` and
`helm template` with the default values and with every option on (values-full.yaml), then checks
the rendered objects. Prints a GoogleTest-style summary so scripts/test counts it like the other
suites. Usage: test_chart.py [HELM]   (default: $KASSA_HELM or .local/bin/helm)
"""
import os
import re
import subprocess
import sys
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHART = os.path.join(ROOT, "helm", "kassa")
FULL = os.path.join(ROOT, "tests", "helm", "values-full.yaml")
HELM = os.environ.get("KASSA_HELM", os.path.join(ROOT, ".local", "bin", "helm"))
ALERTS = os.path.join(CHART, "files", "alerts.yaml")
ALERT_TESTS = os.path.join(ROOT, "tests", "monitoring", "alerts_test.yaml")


def helm(*args, check=True):
    run = subprocess.run([HELM, *args], capture_output=True, text=True)
    if check and run.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{run.stdout}{run.stderr}")
    return run


def render(*extra):
    out = helm("template", "kassa", CHART, "--namespace", "payments", *extra).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def only(objects, kind, component=None):
    found = [o for o in objects if o["kind"] == kind and (
        component is None or o["metadata"]["labels"].get("app.kubernetes.io/component") == component)]
    assert len(found) == 1, f"expected one {kind} {component or ''}, found {len(found)}"
    return found[0]


def env_of(container):
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


class Lint(unittest.TestCase):
    def test_default_values_pass_strict_lint(self):
        helm("lint", "--strict", CHART)

    def test_full_values_pass_strict_lint(self):
        helm("lint", "--strict", CHART, "-f", FULL)


class DefaultValues(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.objects = render()

    def test_objects(self):
        kinds = sorted(o["kind"] for o in self.objects)
        self.assertEqual(kinds, ["CronJob", "Deployment", "Job", "Service", "ServiceAccount"])
        self.assertNotIn("Secret", kinds, "secrets come from an existing Secret, never the chart")

    def test_worker_is_hardened_and_probed(self):
        deployment = only(self.objects, "Deployment", "worker")
        spec = deployment["spec"]["template"]["spec"]
        self.assertEqual(deployment["spec"]["replicas"], 2)
        self.assertTrue(spec["securityContext"]["runAsNonRoot"])
        self.assertFalse(spec["automountServiceAccountToken"])
        (container,) = spec["containers"]
        self.assertEqual(container["args"], ["run"])
        context = container["securityContext"]
        self.assertTrue(context["readOnlyRootFilesystem"])
        self.assertTrue(context["runAsNonRoot"])
        self.assertFalse(context["allowPrivilegeEscalation"])
        self.assertEqual(context["capabilities"]["drop"], ["ALL"])
        self.assertEqual(container["livenessProbe"]["httpGet"]["path"], "/healthz")
        self.assertEqual(container["readinessProbe"]["httpGet"]["path"], "/readyz")
        self.assertEqual(container["startupProbe"]["httpGet"]["path"], "/healthz")
        self.assertEqual(container["envFrom"], [{"secretRef": {"name": "kassa"}}])
        env = env_of(container)
        # Static group membership: the pod's own name is its group.instance.id.
        self.assertEqual(env["KASSA_KAFKA_GROUP_INSTANCE_ID"],
                         {"fieldRef": {"fieldPath": "metadata.name"}})
        self.assertEqual(env["KASSA_HTTP_ADDR"], "0.0.0.0:9464")
        self.assertEqual(env["KASSA_DOCUMENTS_DIR"], "/var/lib/kassa/documents")
        self.assertNotIn("KASSA_PG_DSN", env)
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        self.assertEqual(mounts, {"/var/lib/kassa/documents": "documents", "/tmp": "tmp"})
        volumes = {v["name"]: v for v in spec["volumes"]}
        self.assertIn("emptyDir", volumes["documents"])

    def test_migrations_run_before_install_and_upgrade(self):
        job = only(self.objects, "Job", "migrate")
        annotations = job["metadata"]["annotations"]
        self.assertEqual(annotations["helm.sh/hook"], "pre-install,pre-upgrade")
        self.assertIn("before-hook-creation", annotations["helm.sh/hook-delete-policy"])
        (container,) = job["spec"]["template"]["spec"]["containers"]
        self.assertEqual(container["args"], ["migrate"])
        self.assertTrue(container["securityContext"]["readOnlyRootFilesystem"])
        self.assertEqual(job["spec"]["template"]["spec"]["restartPolicy"], "Never")

    def test_reconciliation_never_runs_twice_at_once(self):
        cron = only(self.objects, "CronJob", "reconcile")
        self.assertEqual(cron["spec"]["concurrencyPolicy"], "Forbid")
        self.assertEqual(cron["spec"]["timeZone"], "Etc/UTC")
        pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        self.assertEqual(pod["containers"][0]["args"], ["reconcile"])

    def test_service_exposes_the_metrics_port(self):
        service = only(self.objects, "Service")
        self.assertEqual(service["spec"]["ports"][0]["port"], 9464)
        self.assertEqual(service["spec"]["ports"][0]["targetPort"], "http-metrics")


class FullValues(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.objects = render("-f", FULL)

    def test_every_option_renders_its_object(self):
        kinds = sorted(o["kind"] for o in self.objects)
        self.assertEqual(kinds, ["ConfigMap", "CronJob", "Deployment", "Deployment", "Job", "Job",
                                 "PersistentVolumeClaim", "PodDisruptionBudget", "PrometheusRule",
                                 "ScaledObject", "Service", "Service", "ServiceAccount",
                                 "ServiceMonitor"])

    def test_the_gateway_registers_with_its_own_settings_and_the_secret(self):
        deployment = only(self.objects, "Deployment", "gateway")
        self.assertEqual(deployment["spec"]["replicas"], 2)
        spec = deployment["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        self.assertEqual(container["args"], ["gateway"])
        env = env_of(container)
        self.assertEqual(env["KASSA_ATOL_URL"], "https://online.atol.ru/possystem/v5")
        self.assertEqual(env["KASSA_ATOL_GROUP"], "invoicebox-prod")
        self.assertEqual(env["KASSA_ATOL_REPORT_RATE"], "4")
        self.assertNotIn("KASSA_ATOL_PASSWORD", env, "the login and password come from the Secret")
        self.assertNotIn("KASSA_KAFKA_GROUP_INSTANCE_ID", env, "no consumer group")
        self.assertEqual(container["envFrom"], [{"secretRef": {"name": "kassa-production"}}])
        self.assertEqual(container["livenessProbe"]["httpGet"]["path"], "/healthz")
        self.assertTrue(container["securityContext"]["readOnlyRootFilesystem"])
        self.assertEqual(container["resources"]["limits"]["memory"], "128Mi")
        selector = deployment["spec"]["selector"]["matchLabels"]
        self.assertEqual(selector["app.kubernetes.io/component"], "gateway")
        worker = only(self.objects, "Deployment", "worker")
        self.assertNotEqual(worker["spec"]["selector"], deployment["spec"]["selector"],
                            "the workers' PodDisruptionBudget and ServiceMonitor leave it out")

    def test_migrations_connect_as_the_schema_owner(self):
        job = only(self.objects, "Job", "migrate")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        # The owner's Secret comes last, so its KASSA_PG_DSN wins over the workers'.
        self.assertEqual(container["envFrom"], [{"secretRef": {"name": "kassa-production"}},
                                                {"secretRef": {"name": "kassa-schema-owner"}}])
        deployment = only(self.objects, "Deployment", "worker")
        (worker,) = deployment["spec"]["template"]["spec"]["containers"]
        self.assertEqual(worker["envFrom"], [{"secretRef": {"name": "kassa-production"}}])

    def test_the_dashboards_are_the_tested_files(self):
        import json
        config_map = only(self.objects, "ConfigMap")
        self.assertEqual(config_map["metadata"]["labels"]["grafana_dashboard"], "1")
        folder = os.path.join(CHART, "files", "dashboards")
        self.assertEqual(sorted(config_map["data"]), sorted(os.listdir(folder)))
        for name, text in config_map["data"].items():
            self.assertEqual(json.loads(text),
                             json.load(open(os.path.join(folder, name), encoding="utf-8")))

    def test_the_alert_rules_are_the_tested_file(self):
        rule = only(self.objects, "PrometheusRule")
        tested = yaml.safe_load(open(ALERTS, encoding="utf-8"))
        self.assertEqual(rule["spec"], tested)
        self.assertEqual(rule["metadata"]["labels"]["release"], "prometheus")

    def test_the_autoscaler_owns_the_replica_count(self):
        deployment = only(self.objects, "Deployment", "worker")
        self.assertNotIn("replicas", deployment["spec"])
        scaled = only(self.objects, "ScaledObject")
        self.assertEqual(scaled["spec"]["scaleTargetRef"]["name"], deployment["metadata"]["name"])
        self.assertEqual(scaled["spec"]["maxReplicaCount"], 6)
        topics = sorted(t["metadata"]["topic"] for t in scaled["spec"]["triggers"])
        self.assertEqual(topics, ["invoicebox.refunds.v1", "invoicebox.shipments.v1",
                                  "prod.invoicebox.payments.v1"])
        for trigger in scaled["spec"]["triggers"]:
            self.assertEqual(trigger["metadata"]["consumerGroup"], "kassa-prod")
            self.assertEqual(trigger["metadata"]["lagThreshold"], "10000")

    def test_replay_job_passes_the_window(self):
        job = only(self.objects, "Job", "replay")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        self.assertEqual(container["args"], ["replay", "--from", "2026-01-01T00:00:00Z", "--to",
                                             "2026-02-01T00:00:00Z"])
        self.assertEqual(job["spec"]["backoffLimit"], 0)
        mounts = {m["name"] for m in container["volumeMounts"]}
        self.assertIn("documents", mounts)

    def test_documents_on_a_kept_claim(self):
        claim = only(self.objects, "PersistentVolumeClaim")
        self.assertEqual(claim["metadata"]["annotations"]["helm.sh/resource-policy"], "keep")
        self.assertEqual(claim["spec"]["accessModes"], ["ReadWriteMany"])
        deployment = only(self.objects, "Deployment", "worker")
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        self.assertEqual(volumes["documents"]["persistentVolumeClaim"]["claimName"],
                         claim["metadata"]["name"])

    def test_service_monitor_and_disruption_budget_select_the_workers(self):
        monitor = only(self.objects, "ServiceMonitor")
        self.assertEqual(monitor["metadata"]["labels"]["release"], "prometheus")
        self.assertEqual(monitor["spec"]["endpoints"][0]["port"], "http-metrics")
        # It scrapes the gateway's Service too: its metrics feed the gateway's alerts.
        (expression,) = monitor["spec"]["selector"]["matchExpressions"]
        self.assertEqual(expression["values"], ["worker", "gateway"])
        service = only(self.objects, "Service", "gateway")
        self.assertEqual(service["spec"]["selector"]["app.kubernetes.io/component"], "gateway")
        budget = only(self.objects, "PodDisruptionBudget")
        self.assertEqual(budget["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"],
                         "worker")

    def test_settings_and_image(self):
        deployment = only(self.objects, "Deployment", "worker")
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        self.assertEqual(container["image"], "registry.example.org/kassa:1.2.3")
        env = env_of(container)
        self.assertEqual(env["KASSA_CONSUMERS"], "2")
        self.assertEqual(env["KASSA_SELLER_INN"], "7725416908")
        self.assertEqual(env["KASSA_DOCUMENTS_DIR"], "/data/documents")
        self.assertEqual(container["envFrom"], [{"secretRef": {"name": "kassa-production"}}])


class Refusals(unittest.TestCase):
    def refused(self, *sets, message):
        args = [a for s in sets for a in ("--set", s)]
        run = helm("template", "kassa", CHART, *args, check=False)
        self.assertNotEqual(run.returncode, 0, f"{sets} was accepted")
        self.assertRegex(run.stderr, message)

    def test_more_worker_loops_than_partitions(self):
        self.refused("replicaCount=7", message="exceed the 6 partitions")
        self.refused("replicaCount=4", "config.KASSA_CONSUMERS=2", message="exceed the 6 partitions")
        self.refused("autoscaling.keda.enabled=true", "autoscaling.keda.maxReplicas=8",
                     message="exceed the 6 partitions")

    def test_unknown_and_misspelt_values(self):
        self.refused("replicas=3", message="additional properties|additionalProperties|replicas")
        self.refused("metrics.serviceMonitor.enabeld=true", message="enabeld")

    def test_secrets_and_chart_owned_settings_stay_out_of_config(self):
        self.refused("config.KASSA_PG_DSN=postgresql://u:p@db/kassa", message="KASSA_PG_DSN")
        self.refused("config.KASSA_HTTP_ADDR=0.0.0.0:1", message="set by the chart")
        self.refused("config.LOG_LEVEL=debug", message="LOG_LEVEL|pattern")

    def test_the_gateway_needs_its_group(self):
        self.refused("gateway.enabled=true", message="gateway.group")

    def test_replay_needs_its_window(self):
        self.refused("replay.enabled=true", message="replay.from")
        self.refused("replay.enabled=true", "replay.from=yesterday", message="from|pattern")


class Documentation(unittest.TestCase):
    def test_every_value_is_documented_where_it_is_declared(self):
        lines = open(os.path.join(CHART, "values.yaml"), encoding="utf-8").read().splitlines()
        undocumented = []
        for i, line in enumerate(lines):
            key = re.match(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*):", line)
            if not key:
                continue
            # A block's children may share its comment only if they are maps documented below.
            previous = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            is_block = line.rstrip().endswith(":")
            documented = previous.strip().startswith("#")
            in_config = re.match(r"^\s+KASSA_", line) is not None
            if not documented and not is_block and not in_config:
                undocumented.append(f"values.yaml:{i + 1}: {line.strip()}")
        self.assertEqual(undocumented, [])

    def test_schema_declares_every_value_and_allows_nothing_else(self):
        import json
        schema = json.load(open(os.path.join(CHART, "values.schema.json"), encoding="utf-8"))
        values = yaml.safe_load(open(os.path.join(CHART, "values.yaml"), encoding="utf-8"))

        def walk(value, node, path):
            if node.get("type") != "object" or not isinstance(value, dict):
                return
            props = node.get("properties", {})
            if node.get("additionalProperties") is False:
                for key in value:
                    self.assertIn(key, props, f"{path}.{key} is not in values.schema.json")
            for key, child in value.items():
                if key in props:
                    walk(child, props[key], f"{path}.{key}")

        def strict(node, path):
            if node.get("type") == "object" and "properties" in node and path != ".config":
                self.assertIs(node.get("additionalProperties"), False, f"{path} is not strict")
            for key, child in node.get("properties", {}).items():
                strict(child, f"{path}.{key}")

        walk(values, schema, "")
        strict(schema, "")


class Alerts(unittest.TestCase):
    def test_promtool_checks_and_tests_the_rules(self):
        for args in (["check", "rules", ALERTS], ["test", "rules", ALERT_TESTS]):
            run = subprocess.run(["promtool", *args], capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn("SUCCESS", run.stdout)

    def test_every_alert_has_a_case_where_it_fires_and_one_where_it_does_not(self):
        rules = yaml.safe_load(open(ALERTS, encoding="utf-8"))
        names = {r["alert"] for g in rules["groups"] for r in g["rules"]}
        tests = yaml.safe_load(open(ALERT_TESTS, encoding="utf-8"))["tests"]
        fires, quiet = set(), set()
        for case in tests:
            for check in case.get("alert_rule_test", []):
                (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
        self.assertEqual(names - fires, set(), "alerts never shown firing")
        self.assertEqual(names - quiet, set(), "alerts never shown quiet on a near miss")


class Image(unittest.TestCase):
    def test_runtime_stage_installs_every_library_kassa_links(self):
        binary = os.path.join(ROOT, "build", "kassa")
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                            subprocess.run(["readelf", "-d", binary], capture_output=True,
                                           text=True, check=True).stdout)
        self.assertGreater(len(needed), 5)
        dockerfile = open(os.path.join(ROOT, "Dockerfile"), encoding="utf-8").read()
        runtime = dockerfile.split("\nFROM debian:bookworm-slim\n", 1)[1]
        in_base = {"libc6", "libstdc++6", "libgcc-s1"}  # part of debian:bookworm-slim
        missing = []
        for library in needed:
            # The architecture's own copy: multilib packages (libc6-i386, pulled in by clang)
            # hold libraries of the same name.
            owner = subprocess.run(["dpkg", "-S", f"*/x86_64-linux-gnu/{library}"],
                                   capture_output=True, text=True)
            package = owner.stdout.split(":")[0].strip()
            self.assertTrue(package, f"no package owns {library}")
            if package not in in_base and not re.search(rf"\s{re.escape(package)}\s", runtime):
                missing.append(f"{library} ({package})")
        self.assertEqual(missing, [], "runtime stage lacks these")
        self.assertIn("fonts-dejavu-core", runtime, "the PDFs embed DejaVu Sans")
        self.assertRegex(runtime, r"USER 10001")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        HELM = sys.argv.pop(1)
    if not os.access(HELM, os.X_OK):
        print(f"test_chart.py: no helm at {HELM} (scripts/setup builds it)", file=sys.stderr)
        sys.exit(2)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from unittest_summary import run  # tests/unittest_summary.py
    sys.exit(run(sys.modules[__name__]))

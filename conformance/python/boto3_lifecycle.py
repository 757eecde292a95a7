"""boto3 against berth: a full relational-database life cycle.

Run by conformance/boto3.conformance.ts with BERTH_URL, BERTH_REGION,
BERTH_CA_FILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set, against a
berth that pages by 2. Prints one JSON document of what boto3 saw (the
TypeScript suite asserts on it); on an unexpected exception the document
carries "error" (step and traceback) and the exit status is 1.

Lightsail has no botocore waiters, so operations are polled; the
paginators botocore models are walked page by page.
"""
import json
import os
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone

import boto3
from botocore.exceptions import ClientError, ParamValidationError

URL = os.environ["BERTH_URL"]
REGION = os.environ.get("BERTH_REGION", "us-east-1")
CA_FILE = os.environ["BERTH_CA_FILE"]
PASSWORD = "Boto3-conformance-1"
USER = "pyadmin"

client = boto3.client("lightsail", endpoint_url=URL, region_name=REGION)
seen = {}
operation_ids = []  # every operation id a mutating call returned
sent = []  # X-Amz-Target of every request that left botocore


def _record_send(request, **_):
    target = request.headers.get("X-Amz-Target", b"")
    sent.append(target.decode() if isinstance(target, bytes) else str(target))


client.meta.events.register("before-send.lightsail", _record_send)


def keep(operations):
    operation_ids.extend(op["id"] for op in operations)
    return operations


def wait(operation, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        current = client.get_operation(operationId=operation["id"])["operation"]
        if current["isTerminal"]:
            return current
        time.sleep(0.2)
    raise TimeoutError(f"operation {operation['operationType']} {operation['id']}")


def wait_all(operations):
    return [wait(op)["status"] for op in operations]


def get_db(name):
    return client.get_relational_database(relationalDatabaseName=name)["relationalDatabase"]


def psql(db, sql):
    """One statement through psql with sslmode=verify-full against berth's CA bundle."""
    env = dict(os.environ, PGPASSWORD=PASSWORD, PGSSLMODE="verify-full", PGSSLROOTCERT=CA_FILE, PGCONNECT_TIMEOUT="10")
    port = db["masterEndpoint"]["port"]
    host = db["masterEndpoint"]["address"]
    result = subprocess.run(
        ["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", str(port), "-U", USER, "-d", "app", "-c", sql],
        env=env, capture_output=True, text=True, timeout=60,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr}")
    return [line for line in result.stdout.splitlines() if line]


def notes(db):
    return psql(db, "SELECT body FROM notes ORDER BY id")


def error_fields(error):
    return {
        "type": type(error).__name__,
        "code": error.response["Error"]["Code"],
        "message": error.response["Error"]["Message"],
        "sub_code": error.response.get("code"),
        "tip": error.response.get("tip"),
        "docs": error.response.get("docs"),
        "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
    }


def step_catalogue():
    seen["waiters"] = client.waiter_names
    seen["can_paginate"] = {
        name: client.can_paginate(name)
        for name in [
            "get_relational_databases",
            "get_relational_database_snapshots",
            "get_operations",
            "get_relational_database_events",
            "get_operations_for_resource",
        ]
    }
    blueprints = client.get_paginator("get_relational_database_blueprints").paginate().build_full_result()["blueprints"]
    defaults = [b["blueprintId"] for b in blueprints if b["engine"] == "postgres" and b["isEngineDefault"]]
    seen["default_postgres"] = defaults


def step_create():
    blueprint = seen["default_postgres"][0]
    statuses = []
    for name in ["py-one", "py-two", "py-three"]:
        operations = keep(client.create_relational_database(
            relationalDatabaseName=name,
            relationalDatabaseBlueprintId=blueprint,
            relationalDatabaseBundleId="micro_2_0",
            masterDatabaseName="app",
            masterUsername=USER,
            masterUserPassword=PASSWORD,
            tags=[{"key": "suite", "value": "boto3"}],
        )["operations"])
        seen.setdefault("create_operations", []).append(
            {k: operations[0][k] for k in ["operationType", "status", "resourceName", "isTerminal"]}
        )
        statuses.append(wait(operations[0])["status"])
    seen["create_status"] = statuses
    db = get_db("py-one")
    seen["db"] = {k: db[k] for k in ["state", "engine", "masterUsername", "relationalDatabaseBlueprintId", "publiclyAccessible", "tags"]}
    seen["created_at"] = {
        "type": type(db["createdAt"]).__name__,
        "aware": db["createdAt"].tzinfo is not None,
        "age_seconds": (datetime.now(timezone.utc) - db["createdAt"]).total_seconds(),
    }
    seen["master_password_matches"] = (
        client.get_relational_database_master_user_password(relationalDatabaseName="py-one", passwordVersion="CURRENT")["masterUserPassword"]
        == PASSWORD
    )
    psql(db, "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)")
    psql(db, "INSERT INTO notes (body) VALUES ('before-snapshot')")


def step_list_databases():
    paginator = client.get_paginator("get_relational_databases")
    seen["db_pages"] = [[db["name"] for db in page["relationalDatabases"]] for page in paginator.paginate()]
    seen["db_full"] = [db["name"] for db in paginator.paginate().build_full_result()["relationalDatabases"]]
    pages, token = [], None
    while len(pages) < 10:
        config = {"MaxItems": 1}
        if token:
            config["StartingToken"] = token
        result = paginator.paginate(PaginationConfig=config).build_full_result()
        pages.append([db["name"] for db in result["relationalDatabases"]])
        token = result.get("NextToken")
        if not token:
            break
    seen["db_max_items_pages"] = pages


def step_update_and_tags():
    operations = keep(client.update_relational_database(
        relationalDatabaseName="py-one",
        preferredBackupWindow="23:40-00:10",
        preferredMaintenanceWindow="mon:01:00-mon:01:30",
    )["operations"])
    seen["update_status"] = wait_all(operations)
    db = get_db("py-one")
    seen["windows"] = [db["preferredBackupWindow"], db["preferredMaintenanceWindow"]]
    keep(client.tag_resource(resourceName="py-one", tags=[{"key": "env", "value": "prod"}, {"key": "team", "value": "data"}])["operations"])
    # Sent twice, as Terraform does: must be idempotent.
    keep(client.tag_resource(resourceName="py-one", tags=[{"key": "env", "value": "prod"}])["operations"])
    keep(client.untag_resource(resourceName="py-one", tagKeys=["team", "suite"])["operations"])
    seen["tags"] = get_db("py-one")["tags"]


def step_snapshot_and_restore():
    operations = keep(client.create_relational_database_snapshot(
        relationalDatabaseName="py-one", relationalDatabaseSnapshotName="py-one-snap", tags=[{"key": "kind", "value": "manual"}],
    )["operations"])
    seen["snapshot_operations"] = [[op["resourceType"], op["resourceName"], op["location"]["availabilityZone"]] for op in operations]
    seen["snapshot_status"] = wait_all(operations)
    snapshot = client.get_relational_database_snapshot(relationalDatabaseSnapshotName="py-one-snap")["relationalDatabaseSnapshot"]
    seen["snapshot"] = {k: snapshot[k] for k in ["name", "state", "engine", "fromRelationalDatabaseName", "tags"]}
    seen["snapshot_created_at_type"] = type(snapshot["createdAt"]).__name__

    psql(get_db("py-one"), "INSERT INTO notes (body) VALUES ('after-snapshot')")
    operations = keep(client.create_relational_database_from_snapshot(
        relationalDatabaseName="py-restored", relationalDatabaseSnapshotName="py-one-snap",
    )["operations"])
    seen["restore_status"] = wait_all(operations)
    restored = get_db("py-restored")
    seen["restored"] = {"state": restored["state"], "notes": notes(restored)}


def step_point_in_time():
    deadline = time.time() + 60
    while "latestRestorableTime" not in get_db("py-one"):
        if time.time() > deadline:
            raise TimeoutError("py-one never reported latestRestorableTime")
        time.sleep(0.3)
    seen["latest_restorable_type"] = type(get_db("py-one")["latestRestorableTime"]).__name__
    psql(get_db("py-one"), "INSERT INTO notes (body) VALUES ('latest')")
    operations = keep(client.create_relational_database_from_snapshot(
        relationalDatabaseName="py-pitr", sourceRelationalDatabaseName="py-one", useLatestRestorableTime=True,
    )["operations"])
    seen["pitr_status"] = wait_all(operations)
    pitr = get_db("py-pitr")
    seen["pitr"] = {"state": pitr["state"], "notes": notes(pitr)}


def step_observability():
    pages = list(client.get_paginator("get_relational_database_events").paginate(relationalDatabaseName="py-one", durationInMinutes=60))
    seen["event_page_sizes"] = [len(page["relationalDatabaseEvents"]) for page in pages]
    events = [event for page in pages for event in page["relationalDatabaseEvents"]]
    seen["event_messages"] = [event["message"] for event in events]
    seen["event_created_at_types"] = sorted({type(event["createdAt"]).__name__ for event in events})
    deadline = time.time() + 60
    while True:
        now = datetime.now(timezone.utc).timestamp()
        result = client.get_relational_database_metric_data(
            relationalDatabaseName="py-one", metricName="DatabaseConnections", period=60,
            startTime=datetime.fromtimestamp(now - 600, timezone.utc), endTime=datetime.fromtimestamp(now + 60, timezone.utc),
            unit="Count", statistics=["Maximum", "SampleCount"],
        )
        if result["metricData"] or time.time() > deadline:
            break
        time.sleep(0.5)
    seen["metric"] = {
        "name": result["metricName"],
        "points": len(result["metricData"]),
        "units": sorted({p["unit"] for p in result["metricData"]}),
        "timestamp_types": sorted({type(p["timestamp"]).__name__ for p in result["metricData"]}),
        "sample_counts_positive": all(p["sampleCount"] > 0 for p in result["metricData"]),
    }
    seen["log_streams"] = client.get_relational_database_log_streams(relationalDatabaseName="py-one")["logStreams"]


def step_errors():
    try:
        client.get_relational_database(relationalDatabaseName="py-missing")
        seen["not_found"] = "no exception"
    except client.exceptions.NotFoundException as error:
        seen["not_found"] = error_fields(error)
    try:
        client.create_relational_database(
            relationalDatabaseName="py-bad", relationalDatabaseBlueprintId=seen["default_postgres"][0],
            relationalDatabaseBundleId="micro_2_0", masterDatabaseName="app", masterUsername="select",
        )
        seen["invalid_input"] = "no exception"
    except client.exceptions.InvalidInputException as error:
        seen["invalid_input"] = error_fields(error)
    try:
        client.get_relational_database_snapshot(relationalDatabaseSnapshotName="py-missing-snap")
        seen["snapshot_not_found"] = "no exception"
    except ClientError as error:
        seen["snapshot_not_found"] = error_fields(error)

    # Client-side validation: none of these may leave botocore.
    before = len(sent)
    seen["requests_sent_before_validation"] = before
    attempts = {
        "missing_required": lambda: client.reboot_relational_database(),
        "wrong_type": lambda: client.start_relational_database(relationalDatabaseName=123),
        "below_min": lambda: client.get_relational_database_metric_data(
            relationalDatabaseName="py-one", metricName="CPUUtilization", period=10,
            startTime=datetime(2026, 1, 1, tzinfo=timezone.utc), endTime=datetime(2026, 1, 2, tzinfo=timezone.utc),
            unit="Percent", statistics=["Average"],
        ),
        "unknown_parameter": lambda: client.get_relational_database(relationalDatabaseName="py-one", bogus=True),
    }
    validation = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            validation[name] = "no exception"
        except ParamValidationError as error:
            validation[name] = str(error)
    seen["param_validation"] = validation
    seen["sent_during_validation"] = sent[before:]
    # botocore does not check maxima: this one reaches berth, which refuses it.
    try:
        client.get_relational_database_metric_data(
            relationalDatabaseName="py-one", metricName="CPUUtilization", period=86401,
            startTime=datetime(2026, 1, 1, tzinfo=timezone.utc), endTime=datetime(2026, 1, 3, tzinfo=timezone.utc),
            unit="Percent", statistics=["Average"],
        )
        seen["above_max"] = "no exception"
    except client.exceptions.InvalidInputException as error:
        seen["above_max"] = error_fields(error)


def snapshot_names():
    return [s["name"] for s in client.get_paginator("get_relational_database_snapshots").paginate().build_full_result()["relationalDatabaseSnapshots"]]


def step_delete():
    skipped = keep(client.delete_relational_database(relationalDatabaseName="py-two", skipFinalSnapshot=True)["operations"])
    seen["delete_skip"] = {"types": [op["operationType"] for op in skipped], "status": wait_all(skipped)}
    try:
        get_db("py-two")
        seen["deleted_db_lookup"] = "still there"
    except client.exceptions.NotFoundException as error:
        seen["deleted_db_lookup"] = error.response["Error"]["Code"]
    seen["snapshots_after_skip"] = snapshot_names()

    named = keep(client.delete_relational_database(relationalDatabaseName="py-three", finalRelationalDatabaseSnapshotName="py-three-final")["operations"])
    seen["delete_named"] = {"ops": [[op["operationType"], op["resourceName"]] for op in named], "status": wait_all(named)}
    final = client.get_relational_database_snapshot(relationalDatabaseSnapshotName="py-three-final")["relationalDatabaseSnapshot"]
    seen["named_final_snapshot"] = {"state": final["state"], "from": final["fromRelationalDatabaseName"]}

    implicit = keep(client.delete_relational_database(relationalDatabaseName="py-restored")["operations"])
    seen["delete_default"] = {"count": len(implicit), "status": wait_all(implicit)}

    paginator = client.get_paginator("get_relational_database_snapshots")
    seen["snapshot_pages"] = [[s["name"] for s in page["relationalDatabaseSnapshots"]] for page in paginator.paginate()]


def step_operations_paginator():
    pages = list(client.get_paginator("get_operations").paginate())
    listed = [op for page in pages for op in page["operations"]]
    ids = [op["id"] for op in listed]
    times = [op["createdAt"] for op in listed]
    seen["operations"] = {
        "pages": len(pages),
        "max_page_size": max(len(page["operations"]) for page in pages),
        "total": len(listed),
        "duplicates": len(ids) - len(set(ids)),
        "missing": [i for i in operation_ids if i not in set(ids)],
        "newest_first": all(a >= b for a, b in zip(times, times[1:])),
    }


def step_cleanup():
    statuses = []
    for name in ["py-one", "py-pitr"]:
        statuses += wait_all(keep(client.delete_relational_database(relationalDatabaseName=name, skipFinalSnapshot=True)["operations"]))
    for name in snapshot_names():
        statuses += [op["status"] for op in client.delete_relational_database_snapshot(relationalDatabaseSnapshotName=name)["operations"]]
    seen["cleanup_status"] = sorted(set(statuses))
    seen["left"] = {
        "databases": client.get_paginator("get_relational_databases").paginate().build_full_result()["relationalDatabases"],
        "snapshots": snapshot_names(),
    }


STEPS = [
    step_catalogue,
    step_create,
    step_list_databases,
    step_update_and_tags,
    step_snapshot_and_restore,
    step_point_in_time,
    step_observability,
    step_errors,
    step_delete,
    step_operations_paginator,
    step_cleanup,
]

status = 0
for step in STEPS:
    try:
        step()
    except Exception:  # report what was seen so far, then fail
        seen["error"] = {"step": step.__name__, "traceback": traceback.format_exc()}
        status = 1
        break
print(json.dumps(seen, default=str))
sys.exit(status)

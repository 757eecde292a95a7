"""boto3 against berth: create, wait, paginate, modelled errors, delete.

Run by test/clients.test.ts with BERTH_URL, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY set. Prints one JSON document with what it saw.
"""
import json
import os
import time

import boto3

client = boto3.client(
    "lightsail",
    endpoint_url=os.environ["BERTH_URL"],
    region_name="us-east-1",
)
seen = {}


def wait(operation):
    for _ in range(600):
        current = client.get_operation(operationId=operation["id"])["operation"]
        if current["isTerminal"]:
            return current
        time.sleep(0.1)
    raise TimeoutError(operation["id"])


names = ["py-one", "py-two", "py-three"]
for name in names:
    ops = client.create_relational_database(
        relationalDatabaseName=name,
        relationalDatabaseBlueprintId="postgres_17",
        relationalDatabaseBundleId="micro_2_0",
        masterDatabaseName="app",
        masterUsername="pyadmin",
    )["operations"]
    seen.setdefault("create_status", []).append(wait(ops[0])["status"])

paginator = client.get_paginator("get_relational_databases")
pages = list(paginator.paginate())
seen["pages"] = [[db["name"] for db in page["relationalDatabases"]] for page in pages]
seen["states"] = sorted({db["state"] for page in pages for db in page["relationalDatabases"]})
seen["created_at_type"] = type(pages[0]["relationalDatabases"][0]["createdAt"]).__name__
seen["password_length"] = len(client.get_relational_database_master_user_password(relationalDatabaseName="py-one")["masterUserPassword"])

try:
    client.get_relational_database(relationalDatabaseName="py-missing")
except client.exceptions.NotFoundException as error:
    seen["not_found"] = {
        "code": error.response["Error"]["Code"],
        "sub_code": error.response.get("code"),
        "tip": bool(error.response.get("tip")),
        "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
    }

try:
    client.create_relational_database(
        relationalDatabaseName="py-bad",
        relationalDatabaseBlueprintId="postgres_17",
        relationalDatabaseBundleId="micro_2_0",
        masterDatabaseName="app",
        masterUsername="select",
    )
except client.exceptions.InvalidInputException as error:
    seen["invalid_input"] = error.response["Error"]["Message"]

for name in names:
    ops = client.delete_relational_database(relationalDatabaseName=name, skipFinalSnapshot=True)["operations"]
    seen.setdefault("delete_status", []).append(wait(ops[0])["status"])
seen["left"] = [db["name"] for db in client.get_relational_databases()["relationalDatabases"]]
print(json.dumps(seen))

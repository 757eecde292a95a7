# berth conformance: a database created through the API, brought under
# Terraform with `terraform import aws_lightsail_database.imported tf-imported`,
# then destroyed leaving a final snapshot. The configuration matches what the
# API created, so the plan after import shows only what import cannot read.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

variable "endpoint" { type = string }
# berth's CA bundle when the endpoint is HTTPS (null: the system's trust store).
variable "ca_bundle" {
  type    = string
  default = null
}
variable "access_key" { type = string }
variable "secret_key" {
  type      = string
  sensitive = true
}
variable "master_password" {
  type      = string
  sensitive = true
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  custom_ca_bundle            = var.ca_bundle
  endpoints {
    lightsail = var.endpoint
  }
}

resource "aws_lightsail_database" "imported" {
  relational_database_name     = "tf-imported"
  availability_zone            = "us-east-1a"
  master_database_name         = "app"
  master_username              = "tfadmin"
  master_password              = var.master_password
  blueprint_id                 = "postgres_17"
  bundle_id                    = "micro_2_0"
  preferred_backup_window      = "07:00-07:30"
  preferred_maintenance_window = "thu:08:00-thu:08:30"
  publicly_accessible          = false
  backup_retention_enabled     = true
  apply_immediately            = true
  skip_final_snapshot          = false
  final_snapshot_name          = "tf-imported-final"
  tags = {
    origin = "api"
  }
}

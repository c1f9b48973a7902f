"""Operator actions and the deploy-time security set-up, run by the admin function inside the domain's VPC."""

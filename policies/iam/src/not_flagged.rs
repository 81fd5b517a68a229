//! What each rule of this policy deliberately does not flag (the rule catalogue shows it).

/// (rule id, what it does not flag and why)
pub const NOT_FLAGGED: &[(&str, &str)] = &[
    (
        "IAM.POLICY_FULL_ADMIN",
        "Not judged: AWS-managed policies (ADMIN_POLICY_ATTACHED judges their attachment), managed policies used only \
         as permissions boundaries, non-default policy versions, service-linked roles and documents that could not be \
         read. A principal is not reported for a customer-managed policy that is administrator on its own (the policy \
         is) or for what its groups give it (the group is); one capped by its permissions boundary or the SCPs passes.",
    ),
    (
        "IAM.ADMIN_POLICY_ATTACHED",
        "Not flagged: principals matching `break_glass`, users and roles whose permissions boundary keeps them from \
         being or becoming an administrator, AWS-managed policies that neither allow everything, let the holder \
         escalate, nor match `admin_policies`, and customer-managed policies (POLICY_FULL_ADMIN's). Attachments that \
         could not be read and service-linked roles are not judged; a group has no boundary, so it is judged on the \
         attachment alone.",
    ),
    (
        "IAM.POLICY_SERVICE_WILDCARD",
        "Judged per document (customer-managed default versions and inline policies): AWS-managed documents, \
         boundary-only policies, service-linked roles and documents POLICY_FULL_ADMIN already reports are not. Actions \
         the same document denies unconditionally on every resource are subtracted, and a wildcard that stops short of \
         a whole service (`ec2:Describe*`) passes; the statement's resources and conditions do not exempt it.",
    ),
    (
        "IAM.POLICY_WILDCARD_RESOURCE",
        "Not counted: reads and lists other than secret reads, actions that take no resource, `resource_star_actions` \
         (default: the EC2 network-interface actions Lambda in a VPC needs), patterns covering a whole service \
         (POLICY_SERVICE_WILDCARD's), actions the document denies unconditionally everywhere, and SSM reads in a \
         Lambda execution role's inline policies (LAMBDA_ROLE_SSM_SCOPE's). Statements with a real Resource list are \
         not judged, nor AWS-managed, boundary-only and POLICY_FULL_ADMIN documents; conditions do not exempt a \
         statement.",
    ),
    (
        "IAM.LAMBDA_ROLE_SSM_SCOPE",
        "Only execution roles of functions in the snapshot tagged with both `sst:app` and `sst:stage` are judged; \
         administrators are left to POLICY_FULL_ADMIN and ADMIN_POLICY_ATTACHED, and a role whose policies could not \
         all be read is not passed. Reads within `lambda_ssm_paths` and `/sst/passphrase/{app}/{stage}` are allowed, \
         and only the four SSM read actions are probed, in the function's own account and region: Secrets Manager, KMS \
         and other regions' parameters are not judged here.",
    ),
    (
        "IAM.PRIVILEGE_ESCALATION",
        "Not flagged: principals that are already administrators (POLICY_FULL_ADMIN and ADMIN_POLICY_ATTACHED report \
         them), service-linked roles, creations that must carry a non-administrator permissions boundary, and paths \
         that lead to a powerful principal short of administrator. Only the listed edge families are followed, between \
         users and roles in the snapshot; a principal whose policies could not all be read is not passed, and a path \
         that needs an undecidable condition is medium severity.",
    ),
    (
        "IAM.OIDC_TRUST_UNPINNED",
        "Only trust statements that let `token.actions.githubusercontent.com` call `sts:AssumeRoleWithWebIdentity` are \
         judged: other OIDC providers and roles whose trust policy could not be read are not. A pinned subject without \
         an `aud` check is reported at low severity only, since STS still checks the audience against the provider's \
         client ids; an exact (StringEquals) subject counts as pinned whatever it names.",
    ),
    (
        "IAM.OIDC_TRUST_WILDCARD_REPO",
        "Not reported when the trust is unpinned (OIDC_TRUST_UNPINNED takes precedence), nor for roles without GitHub \
         trust or whose trust policy could not be read. Only StringLike values can carry a wildcard; which repository \
         a pinned subject names is not compared with `github_repository`.",
    ),
    (
        "IAM.OIDC_TRUST_ANY_REF",
        "Reported only when the repository is pinned; a wildcard after the repository passes when a `job_workflow_ref` \
         or `ref` condition pins it without `*`. Any concrete subject passes, whichever branch or environment it \
         names, including `repo:OWNER/REPO:pull_request`, which every pull request's workflow carries.",
    ),
    (
        "IAM.TRUST_ANY_PRINCIPAL",
        "Judged by asking whether a role of an unknown account and organisation may assume the role: service and \
         federated principals (GitHub OIDC is the OIDC rules'), named accounts (TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID's) \
         and `*` limited by a concrete `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`, \
         `aws:PrincipalArn`, `aws:SourceAccount` or `aws:SourceArn` are not flagged. Roles whose trust policy could \
         not be read are not judged; an external id alone does not limit `*`, since whoever learns it is in.",
    ),
    (
        "IAM.TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID",
        "Not judged: principals of this account, accounts listed in `trusted_accounts`, `*` (TRUST_ANY_PRINCIPAL's), \
         service and federated principals, principals given as unique ids, and roles whose trust policy could not be \
         read. Only a StringEquals `sts:ExternalId` counts, whatever its value; an organisation condition does not \
         replace it.",
    ),
    (
        "IAM.USER_DIRECT_POLICY",
        "Not repeated here: AWS-managed administrator attachments that ADMIN_POLICY_ATTACHED reports and inline \
         documents that POLICY_FULL_ADMIN reports. Policies that could not be read are not judged; `break_glass` does \
         not exempt a user's own policies.",
    ),
    (
        "IAM.ACCESS_KEY_ROTATION",
        "Only active keys are judged: inactive keys, keys with no readable creation date and users whose keys could \
         not be read are not, and the root user's keys are ROOT_ACCESS_KEYS'. The limit is `max_access_key_age_days`; \
         an old key that is also unused is reported by ACCESS_KEY_UNUSED as well.",
    ),
    (
        "IAM.ACCESS_KEY_UNUSED",
        "Only active keys are judged, from their last use or, never used, from their creation: inactive keys, keys \
         with no readable date and users whose keys or last-used dates could not be read are not. The limit is \
         `max_access_key_unused_days`; an unused key that is also old is reported by ACCESS_KEY_ROTATION too.",
    ),
    (
        "IAM.USER_MULTIPLE_ACCESS_KEYS",
        "Only active keys count: a second, inactive key is not flagged. Users whose keys could not be read are not \
         judged.",
    ),
    (
        "IAM.USER_CONSOLE_NO_MFA",
        "Not judged: users without a console password, and users whose login profile or MFA devices could not be read. \
         Any MFA device passes, whatever its type, and whether the password is ever used is not considered.",
    ),
    (
        "IAM.ROOT_MFA",
        "Not judged when the account summary or its root MFA flag could not be read. Any MFA device passes (hardware \
         and virtual are not told apart), and the root user's sign-ins are not looked at here.",
    ),
    (
        "IAM.ROOT_ACCESS_KEYS",
        "Not judged when the account summary or its root access key flag could not be read. Nothing is exempt: the \
         root user should hold no key at all, used or not.",
    ),
    (
        "IAM.PASSWORD_POLICY",
        "Only the minimum length (`min_password_length`) and reuse prevention (`password_reuse_prevention`) are \
         required: character classes, expiry and whether users may change their password are advice at most (CIS v3 \
         dropped them). Not judged when the password policy could not be read; an account without console users is \
         judged all the same.",
    ),
    (
        "IAM.ROLE_UNUSED",
        "Not judged: service-linked roles (AWS's), roles whose last use could not be read or whose dates do not parse, \
         and roles that CloudTrail usage shows in use or UNUSED_PRINCIPAL judges. A role never used is judged from its \
         creation date against `max_role_unused_days`; `break_glass` does not exempt a role, however rarely it should \
         be assumed.",
    ),
    (
        "IAM.POLICY_MALFORMED",
        "Judged: customer-managed policies' default versions, inline policies and role trust policies. Not judged: \
         AWS-managed documents (AWS wrote them), non-default versions, policies used only as permissions boundaries, \
         service-linked roles, resource and control policies (bucket, function and key policies, SCPs), and documents \
         that could not be read.",
    ),
    (
        "IAM.UNUSED_PRINCIPAL",
        "Not judged unless the usage window is whole: at least `usage_min_days` days of logs, none missing, no \
         unreadable file, every region recorded and the trail logging (`usage_accept_partial` waives all but the \
         number of days). Not flagged: principals created after the logs begin or with no readable creation date, \
         those that IAM's own last-used dates show in use since then, groups and service-linked roles; `break_glass` \
         does not exempt.",
    ),
    (
        "IAM.UNUSED_PERMISSIONS",
        "Never called unused: actions whose use the logs cannot show (data events the trail does not record, sources \
         it leaves out, calls CloudTrail never logs). Not judged: principals UNUSED_PRINCIPAL reports, those \
         ADMIN_POLICY_ATTACHED reports (its fix carries the replacement), those IAM's last-used dates show busier than \
         the logs, those whose policies could not all be read, service-linked roles, and everyone when the window is \
         not whole (as for UNUSED_PRINCIPAL). Unused reads and lists alone are low severity; permissions from groups \
         are counted but not replaced.",
    ),
    (
        "IAM.DENIED_ATTEMPTS",
        "Only calls refused with AccessDenied or UnauthorizedOperation count; principals whose usage was not \
         collected, groups and service-linked roles are not judged. Informational: refused calls are never use and \
         never widen a generated policy, and unlike the other usage rules this one does not wait for a whole window.",
    ),
];

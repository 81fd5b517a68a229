//! The rules of the policy: ids, titles, rationale, severities, kinds and compliance mappings.

use bbscan_policy::frameworks::{CIS, FSBP, SOC2};
use bbscan_policy::{Rule, RuleText, Severity};

pub const POLICY_FULL_ADMIN: &str = "IAM.POLICY_FULL_ADMIN";
pub const ADMIN_POLICY_ATTACHED: &str = "IAM.ADMIN_POLICY_ATTACHED";
pub const POLICY_SERVICE_WILDCARD: &str = "IAM.POLICY_SERVICE_WILDCARD";
pub const POLICY_WILDCARD_RESOURCE: &str = "IAM.POLICY_WILDCARD_RESOURCE";
pub const LAMBDA_ROLE_SSM_SCOPE: &str = "IAM.LAMBDA_ROLE_SSM_SCOPE";
pub const PRIVILEGE_ESCALATION: &str = "IAM.PRIVILEGE_ESCALATION";
pub const OIDC_TRUST_UNPINNED: &str = "IAM.OIDC_TRUST_UNPINNED";
pub const OIDC_TRUST_WILDCARD_REPO: &str = "IAM.OIDC_TRUST_WILDCARD_REPO";
pub const OIDC_TRUST_ANY_REF: &str = "IAM.OIDC_TRUST_ANY_REF";
pub const TRUST_ANY_PRINCIPAL: &str = "IAM.TRUST_ANY_PRINCIPAL";
pub const TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID: &str = "IAM.TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID";
pub const USER_DIRECT_POLICY: &str = "IAM.USER_DIRECT_POLICY";
pub const ACCESS_KEY_ROTATION: &str = "IAM.ACCESS_KEY_ROTATION";
pub const ACCESS_KEY_UNUSED: &str = "IAM.ACCESS_KEY_UNUSED";
pub const USER_MULTIPLE_ACCESS_KEYS: &str = "IAM.USER_MULTIPLE_ACCESS_KEYS";
pub const USER_CONSOLE_NO_MFA: &str = "IAM.USER_CONSOLE_NO_MFA";
pub const ROOT_MFA: &str = "IAM.ROOT_MFA";
pub const ROOT_ACCESS_KEYS: &str = "IAM.ROOT_ACCESS_KEYS";
pub const PASSWORD_POLICY: &str = "IAM.PASSWORD_POLICY";
pub const ROLE_UNUSED: &str = "IAM.ROLE_UNUSED";
pub const POLICY_MALFORMED: &str = "IAM.POLICY_MALFORMED";
pub const UNUSED_PRINCIPAL: &str = "IAM.UNUSED_PRINCIPAL";
pub const UNUSED_PERMISSIONS: &str = "IAM.UNUSED_PERMISSIONS";
pub const DENIED_ATTEMPTS: &str = "IAM.DENIED_ATTEMPTS";

const HOLDERS: &[&str] = &["iam.policy", "iam.user", "iam.group", "iam.role"];
/// What judging a principal's permissions reads: every principal and managed policy (AWS-managed
/// included), the functions that run as roles, and the organisation's control policies.
const ACCOUNT_IAM: &[&str] =
    &["iam.policy", "iam.user", "iam.group", "iam.role", "lambda.function", "organizations.account"];
/// Judging a principal's permissions against what it did: the account's IAM and the usage
/// window read from CloudTrail.
const ACCOUNT_IAM_USAGE: &[&str] = &[
    "iam.policy",
    "iam.user",
    "iam.group",
    "iam.role",
    "lambda.function",
    "organizations.account",
    "cloudtrail.usage",
];

const DEFS: &[RuleText] = &[
    RuleText {
        id: POLICY_FULL_ADMIN,
        title: "No customer-managed or inline policy allows every action on every resource",
        description: "A customer-managed policy that, after its own Deny statements, allows every action on every \
                      resource — or a user, group or role whose own inline and customer-managed policies together \
                      do, within its permissions boundary and the SCPs — is an administrator of the whole \
                      account: one leaked credential is a full account takeover. Judged on effective permissions \
                      from the IAM action catalogue: Allow * with a Deny NotAction that leaves S3 reads is not \
                      an administrator, a boundary that caps the principal is respected. When this fires on a \
                      document, POLICY_SERVICE_WILDCARD and POLICY_WILDCARD_RESOURCE stay quiet on it.",
        severity: Severity::High,
        kinds: ACCOUNT_IAM,
        compliance: &[(CIS, "1.16"), (FSBP, "IAM.1"), (SOC2, "CC6.1"), (SOC2, "CC6.3")],
        help_text: "Replace the \"*\" on \"*\" statement with the actions and resources the holder needs.",
        help_markdown: "Replace the statement that allows `\"Action\": \"*\"` (or `NotAction`) on `\"Resource\": \"*\"` \
                        with the actions and resource ARNs the holder really uses. IAM Access Analyzer can generate \
                        a policy from CloudTrail activity.",
        remediation: "aws iam create-policy-version --policy-arn ARN --policy-document file://least-privilege.json \
                      --set-as-default (for an inline policy: aws iam put-role-policy / put-user-policy / \
                      put-group-policy with the narrowed document).",
    },
    RuleText {
        id: ADMIN_POLICY_ATTACHED,
        title: "AWS-managed administrator policies are attached only to break-glass principals",
        description: "An AWS-managed policy whose document, as AWS publishes it, allows every action on every \
                      resource (AdministratorAccess) or lets its holder make itself an administrator \
                      (IAMFullAccess: iam:PutRolePolicy on itself), or that the admin_policies setting names, \
                      gives its holder the whole account. Outside the break-glass principals (setting \
                      break_glass) it turns any credential leak into an account takeover. A permissions boundary \
                      that keeps the holder from being or becoming an administrator passes. Roles of IAM \
                      Identity Center (/aws-reserved/) are reported without a detach action: their permission \
                      set is where to fix them. When the snapshot holds enough CloudTrail usage (see \
                      UNUSED_PERMISSIONS), the fix replaces the attachment with an inline policy of what the \
                      principal used instead of detaching it with nothing in its place.",
        severity: Severity::High,
        kinds: ACCOUNT_IAM_USAGE,
        compliance: &[(CIS, "1.16"), (SOC2, "CC6.1"), (SOC2, "CC6.3")],
        help_text: "Detach the administrator policy and grant a least-privilege policy instead.",
        help_markdown: "Detach the AWS-managed administrator policy and attach a policy scoped to the work the \
                        principal does. Keep full administrators to a named break-glass role with MFA, listed in \
                        the `break_glass` setting.",
        remediation: "aws iam detach-user-policy --user-name NAME --policy-arn arn:aws:iam::aws:policy/AdministratorAccess \
                      (detach-group-policy / detach-role-policy for groups and roles).",
    },
    RuleText {
        id: POLICY_SERVICE_WILDCARD,
        title: "Policies do not allow every action of a service",
        description: "An action pattern that, after the document's own denies, covers every action of a service \
                      (service:*, or a NotAction) grants every present and future action of it, including its \
                      permission and deletion APIs. iam, kms, ssm, secretsmanager, sts and organizations reach \
                      secrets or identities and are reported at high severity.",
        severity: Severity::Medium,
        kinds: HOLDERS,
        compliance: &[(FSBP, "IAM.21"), (SOC2, "CC6.3")],
        help_text: "List the actions the holder uses instead of service:*.",
        help_markdown: "List the actions the holder uses (`s3:GetObject`, `s3:PutObject`) instead of `s3:*`; a \
                        suffixed wildcard on a read verb (`ec2:Describe*`) is acceptable.",
        remediation: "Edit the statement to list explicit actions, then aws iam create-policy-version \
                      --set-as-default (managed) or aws iam put-role-policy (inline).",
    },
    RuleText {
        id: POLICY_WILDCARD_RESOURCE,
        title: "Write and secret-reading actions are scoped to resources",
        description: "Write, permissions-management and tagging actions (access levels from the IAM action \
                      catalogue, not guessed from verbs) on Resource \"*\" reach every bucket, function and table \
                      of every stage; secret reads (ssm:GetParameter*, ssm:GetParameterHistory, kms:Decrypt, \
                      secretsmanager:GetSecretValue) on \"*\" expose every stage's secrets and are high severity. \
                      Not counted: actions denied by the document, patterns reported by POLICY_SERVICE_WILDCARD, \
                      SSM reads of Lambda execution roles (LAMBDA_ROLE_SSM_SCOPE), actions that take no resource \
                      (the catalogue says so) and setting resource_star_actions.",
        severity: Severity::Medium,
        kinds: &["iam.policy", "iam.user", "iam.group", "iam.role", "lambda.function"],
        compliance: &[(SOC2, "CC6.1"), (SOC2, "CC6.3")],
        help_text: "Name the resource ARNs the actions apply to instead of \"*\".",
        help_markdown: "Replace `\"Resource\": \"*\"` with the ARNs of this app and stage (for example \
                        `arn:aws:ssm:REGION:ACCOUNT:parameter/brainbytes/production/*`).",
        remediation: "Edit the statement's Resource to the stage's ARNs, then aws iam create-policy-version \
                      --set-as-default (managed) or aws iam put-role-policy (inline).",
    },
    RuleText {
        id: LAMBDA_ROLE_SSM_SCOPE,
        title: "Lambda execution roles read only their own stage's parameters",
        description: "A function whose role can read parameters outside /{app}/{stage}/ and SST's own paths can \
                      read the other stage's secrets: a dev function bug or dependency compromise then leaks \
                      production credentials. Judged by evaluating the role's effective permissions (inline, \
                      customer- and AWS-managed policies, denies, boundary, SCPs) on parameters of another stage \
                      and another app; a GetParametersByPath on the stage's own path is in scope. Conditional \
                      access is medium severity.",
        severity: Severity::High,
        kinds: ACCOUNT_IAM,
        compliance: &[(SOC2, "CC6.1"), (SOC2, "CC6.3")],
        help_text: "Scope ssm:GetParameter* to the function's own app and stage path.",
        help_markdown: "Scope `ssm:GetParameter*` to \
                        `arn:aws:ssm:REGION:ACCOUNT:parameter/{app}/{stage}/*` (and `/sst/{app}/{stage}/*`), or \
                        attach a permissions boundary that does.",
        remediation: "aws iam put-role-policy --role-name ROLE --policy-name NAME --policy-document \
                      file://stage-scoped.json (Resource arn:aws:ssm:REGION:ACCOUNT:parameter/APP/STAGE/*).",
    },
    RuleText {
        id: PRIVILEGE_ESCALATION,
        title: "No principal can make itself an administrator",
        description: "A user or role that is not an administrator but can become one — by assuming a role, \
                      passing an administrator role to a compute service it can create (Lambda, EC2, ECS, Glue, \
                      CloudFormation, CodeBuild, SageMaker, Step Functions, Data Pipeline, App Runner), changing \
                      the code of a function that runs as one, creating credentials for an administrator user, \
                      rewriting a trust policy, writing its own (or its group's) policies or a new default \
                      version of a policy it holds, joining an administrators' group, or creating a role it then \
                      assumes — turns a narrow credential into the whole account. Found as a graph over every \
                      principal, like PMapper; the finding gives the shortest path with the statements behind \
                      each step. A creation that must carry a non-administrator permissions boundary (AWS's \
                      delegated administration) is not an escalation. A path that needs conditions the snapshot \
                      cannot decide (source IP, MFA) is medium severity.",
        severity: Severity::High,
        kinds: ACCOUNT_IAM,
        compliance: &[(SOC2, "CC6.1"), (SOC2, "CC6.3")],
        help_text: "Break the first step of the path: scope iam:PassRole, IAM writes and trust policies.",
        help_markdown: "Break the first step of the reported path: scope `iam:PassRole` to the execution roles \
                        the principal must pass (with an `iam:PassedToService` condition), drop IAM write actions \
                        on itself and on other principals, or require a permissions boundary on the roles it \
                        creates (`iam:PermissionsBoundary` condition, plus a Deny on deleting it).",
        remediation: "Narrow the statement's Resource to named role ARNs, then aws iam create-policy-version \
                      --set-as-default (managed) or aws iam put-user-policy / put-role-policy (inline).",
    },
    RuleText {
        id: OIDC_TRUST_UNPINNED,
        title: "GitHub OIDC trust checks the audience and the subject",
        description: "A role trusting token.actions.githubusercontent.com without aud = sts.amazonaws.com and an \
                      effective sub condition can be assumed from any GitHub repository's workflow. A ForAllValues \
                      or IfExists sub condition, a negated operator, or StringLike \"*\" is no condition.",
        severity: Severity::Critical,
        kinds: &["iam.role"],
        compliance: &[(SOC2, "CC6.1"), (SOC2, "CC6.6")],
        help_text: "Add StringEquals aud = sts.amazonaws.com and a sub condition naming the repository and branch.",
        help_markdown: "Add `\"StringEquals\": {\"token.actions.githubusercontent.com:aud\": \"sts.amazonaws.com\", \
                        \"token.actions.githubusercontent.com:sub\": \"repo:OWNER/REPO:ref:refs/heads/main\"}` to \
                        the trust statement.",
        remediation: "aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json \
                      (bbscan's iam.restrict_github_oidc_trust does this when github_repository is set).",
    },
    RuleText {
        id: OIDC_TRUST_WILDCARD_REPO,
        title: "GitHub OIDC trust names one repository",
        description: "A sub condition with a wildcard in the owner or repository (repo:*, repo:org/*) lets every \
                      matching repository's workflows assume the role, including new or forked ones. Reported \
                      only when the trust is otherwise pinned (OIDC_TRUST_UNPINNED takes precedence).",
        severity: Severity::High,
        kinds: &["iam.role"],
        compliance: &[(SOC2, "CC6.1"), (SOC2, "CC6.6")],
        help_text: "Name the exact repository in the sub condition.",
        help_markdown: "Use `repo:OWNER/REPO:ref:refs/heads/main` (or `:environment:NAME`) as the `sub` value.",
        remediation: "aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json",
    },
    RuleText {
        id: OIDC_TRUST_ANY_REF,
        title: "GitHub OIDC trust is pinned to a branch or environment",
        description: "repo:org/repo:* lets any branch, tag, pull request or environment of the repository assume \
                      the role, so a pushed feature branch can deploy. Passes when the sub names \
                      ref:refs/heads/<branch> or environment:<name>, or a job_workflow_ref/ref condition pins it. \
                      Reported only when the repository itself is pinned.",
        severity: Severity::Medium,
        kinds: &["iam.role"],
        compliance: &[(SOC2, "CC6.1")],
        help_text: "Pin the sub to a branch (ref:refs/heads/main) or a GitHub environment.",
        help_markdown: "Use `repo:OWNER/REPO:ref:refs/heads/main` or `repo:OWNER/REPO:environment:production` \
                        (with environment protection rules) instead of `repo:OWNER/REPO:*`.",
        remediation: "aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json",
    },
    RuleText {
        id: TRUST_ANY_PRINCIPAL,
        title: "Role trust policies do not trust everyone",
        description: "A trust statement with Principal \"*\" (or {\"AWS\": \"*\"}, or NotPrincipal) and no condition \
                      on aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount or \
                      aws:SourceArn lets any AWS account in the world assume the role. An sts:ExternalId alone \
                      does not close it: an external id is a shared string, not an identity.",
        severity: Severity::Critical,
        kinds: &["iam.role"],
        compliance: &[(SOC2, "CC6.1"), (SOC2, "CC6.6")],
        help_text: "Name the trusted principals, or add an aws:PrincipalOrgID / aws:PrincipalAccount condition.",
        help_markdown: "Replace `\"Principal\": \"*\"` with the account or role ARNs that assume the role, or keep it \
                        and add a `StringEquals` condition on `aws:PrincipalOrgID` or `aws:PrincipalAccount`.",
        remediation: "aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json",
    },
    RuleText {
        id: TRUST_CROSS_ACCOUNT_NO_EXTERNAL_ID,
        title: "Cross-account trust requires an external id",
        description: "A role that another account (a vendor, not in setting trusted_accounts) may assume without \
                      a StringEquals sts:ExternalId condition is open to the confused-deputy problem: any customer \
                      of that vendor can point it at this role. Federated and service principals are not judged \
                      here.",
        severity: Severity::High,
        kinds: &["iam.role"],
        compliance: &[(SOC2, "CC6.1"), (SOC2, "CC6.6")],
        help_text: "Add a StringEquals sts:ExternalId condition with the id the vendor gave you.",
        help_markdown: "Add `\"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"ID-FROM-VENDOR\"}}` to the \
                        statement, or list your own organisation's accounts in `trusted_accounts`.",
        remediation: "aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json",
    },
    RuleText {
        id: USER_DIRECT_POLICY,
        title: "IAM users receive permissions only through groups",
        description: "Policies attached to or embedded in a user are invisible when reviewing groups and linger \
                      after the person changes job. Attachments already reported by ADMIN_POLICY_ATTACHED and \
                      inline documents reported by POLICY_FULL_ADMIN are not repeated here.",
        severity: Severity::Low,
        kinds: &["iam.user"],
        compliance: &[(CIS, "1.15"), (FSBP, "IAM.2"), (SOC2, "CC6.3")],
        help_text: "Move the user's policies to a group and add the user to it.",
        help_markdown: "Attach the policies to a group, add the user to the group, then detach or delete the \
                        user's own policies.",
        remediation: "aws iam add-user-to-group --group-name GROUP --user-name USER; aws iam detach-user-policy \
                      --user-name USER --policy-arn ARN; aws iam delete-user-policy --user-name USER --policy-name NAME",
    },
    RuleText {
        id: ACCESS_KEY_ROTATION,
        title: "Active access keys are rotated within the allowed age",
        description: "A long-lived access key has had more time to leak (laptops, CI logs, old repositories). \
                      Keys older than max_access_key_age_days (default 90) are reported. An old key that is \
                      also unused is reported by ACCESS_KEY_UNUSED too: rotation and removal are two controls.",
        severity: Severity::Medium,
        kinds: &["iam.user"],
        compliance: &[(CIS, "1.14"), (FSBP, "IAM.3"), (SOC2, "CC6.1")],
        help_text: "Create a new key, switch the consumer to it, then deactivate and delete the old one.",
        help_markdown: "Create a second key, move the consumer to it, deactivate the old key, then delete it. \
                        Prefer roles (GitHub OIDC, IAM Identity Center) over access keys.",
        remediation: "aws iam create-access-key --user-name USER; aws iam update-access-key --user-name USER \
                      --access-key-id OLD --status Inactive; aws iam delete-access-key --user-name USER \
                      --access-key-id OLD",
    },
    RuleText {
        id: ACCESS_KEY_UNUSED,
        title: "Active access keys are in use",
        description: "An active key nobody uses (last used, or created if never used, more than \
                      max_access_key_unused_days ago; default 90, CIS asks 45) is attack surface with no owner \
                      watching it. A key that is also old is reported by ACCESS_KEY_ROTATION as well.",
        severity: Severity::Medium,
        kinds: &["iam.user"],
        compliance: &[(CIS, "1.12"), (FSBP, "IAM.8"), (SOC2, "CC6.2")],
        help_text: "Deactivate, then delete, the unused key.",
        help_markdown: "Deactivate the unused key, wait for complaints, then delete it.",
        remediation: "aws iam update-access-key --user-name USER --access-key-id KEY --status Inactive; \
                      aws iam delete-access-key --user-name USER --access-key-id KEY",
    },
    RuleText {
        id: USER_MULTIPLE_ACCESS_KEYS,
        title: "Users have at most one active access key",
        description: "Two active keys usually mean a rotation that was never finished: the old key is still \
                      valid wherever it was copied.",
        severity: Severity::Low,
        kinds: &["iam.user"],
        compliance: &[(CIS, "1.13"), (SOC2, "CC6.1")],
        help_text: "Deactivate and delete the key that is no longer used.",
        help_markdown: "Find the key still in use (last used date), then deactivate and delete the other.",
        remediation: "aws iam update-access-key --user-name USER --access-key-id KEY --status Inactive; \
                      aws iam delete-access-key --user-name USER --access-key-id KEY",
    },
    RuleText {
        id: USER_CONSOLE_NO_MFA,
        title: "Users with a console password have MFA",
        description: "A console password without MFA is one phished or reused password away from the user's \
                      console session and everything the user may do.",
        severity: Severity::High,
        kinds: &["iam.user"],
        compliance: &[(CIS, "1.10"), (FSBP, "IAM.5"), (SOC2, "CC6.1")],
        help_text: "Enable an MFA device for the user, or remove the console password.",
        help_markdown: "Have the user register an MFA device (passkey, authenticator app or hardware key), or \
                        delete the login profile if the user needs no console.",
        remediation: "aws iam enable-mfa-device --user-name USER --serial-number ARN --authentication-code1 C1 \
                      --authentication-code2 C2, or aws iam delete-login-profile --user-name USER",
    },
    RuleText {
        id: ROOT_MFA,
        title: "The root user has MFA",
        description: "The root user cannot be restricted by IAM; without MFA its password alone opens the whole \
                      account, billing and account closure included.",
        severity: Severity::High,
        kinds: &["iam.account"],
        compliance: &[(CIS, "1.5"), (SOC2, "CC6.1")],
        help_text: "Sign in as root and register an MFA device (preferably a hardware key).",
        help_markdown: "Sign in as the root user, open **Security credentials** and assign an MFA device, \
                        preferably a FIDO security key.",
        remediation: "Console only: root user > Security credentials > Assign MFA device.",
    },
    RuleText {
        id: ROOT_ACCESS_KEYS,
        title: "The root user has no access keys",
        description: "Root access keys carry unrestricted, unconditional access to the account and cannot be \
                      limited by any policy; a leak is a total compromise.",
        severity: Severity::High,
        kinds: &["iam.account"],
        compliance: &[(CIS, "1.4"), (FSBP, "IAM.4"), (SOC2, "CC6.1")],
        help_text: "Delete the root user's access keys.",
        help_markdown: "Sign in as root, open **Security credentials** and delete every access key; use IAM roles \
                        for automation.",
        remediation: "Console only: root user > Security credentials > Access keys > Delete.",
    },
    RuleText {
        id: PASSWORD_POLICY,
        title: "The account password policy meets CIS length and reuse requirements",
        description: "Without a password policy, or with one shorter than min_password_length (default 14) or \
                      remembering fewer than password_reuse_prevention (default 24) passwords, console users \
                      can choose guessable or recycled passwords. Character-class rules are advice only (CIS v3 \
                      dropped them).",
        severity: Severity::Medium,
        kinds: &["iam.account"],
        compliance: &[(CIS, "1.8"), (CIS, "1.9"), (FSBP, "IAM.7"), (SOC2, "CC6.1")],
        help_text: "Set a minimum length of 14 and password reuse prevention of 24.",
        help_markdown: "Set **Minimum password length** to 14 or more and **Prevent password reuse** to 24.",
        remediation: "aws iam update-account-password-policy --minimum-password-length 14 \
                      --password-reuse-prevention 24 --allow-users-to-change-password",
    },
    RuleText {
        id: ROLE_UNUSED,
        title: "Roles are in use",
        description: "A role nobody has assumed for max_role_unused_days (default 90) keeps its permissions and \
                      trust for whoever finds it. Service-linked roles and roles whose last use could not be read \
                      are not judged.",
        severity: Severity::Low,
        kinds: &["iam.role"],
        compliance: &[(SOC2, "CC6.2"), (SOC2, "CC6.3")],
        help_text: "Delete the role if nothing needs it any more.",
        help_markdown: "Check CloudTrail for `AssumeRole` on the role; if nothing uses it, remove it from the \
                        infrastructure code (or delete it).",
        remediation: "aws iam delete-role --role-name ROLE (after deleting its inline policies and detaching its \
                      managed policies).",
    },
    RuleText {
        id: POLICY_MALFORMED,
        title: "Policy documents are well-formed",
        description: "A statement AWS would refuse (an Effect other than Allow or Deny, no action, both Action and \
                      NotAction, an unknown condition operator, a condition that is not an object) cannot be \
                      evaluated: bbscan skips it, so what it grants or denies is not part of the other IAM \
                      findings. Documents written through the IAM API are validated by AWS; this finds \
                      hand-edited snapshots and documents other tools stored.",
        severity: Severity::Medium,
        kinds: HOLDERS,
        compliance: &[(SOC2, "CC6.1")],
        help_text: "Fix the statement so that AWS's policy grammar accepts it.",
        help_markdown: "Fix the statement named in the finding; `aws accessanalyzer validate-policy` checks a \
                        document against AWS's grammar.",
        remediation: "aws accessanalyzer validate-policy --policy-type IDENTITY_POLICY --policy-document file://p.json",
    },
    RuleText {
        id: UNUSED_PRINCIPAL,
        title: "Users and roles are used",
        description: "A user or role that made no call, was never assumed and never signed in during the whole \
                      CloudTrail window the snapshot read keeps its permissions and credentials for whoever \
                      finds them. Judged only when the logs can show it: at least usage_min_days days of logs \
                      (default 30) with no missing day, no unreadable file, every region recorded and the trail \
                      logging (usage_accept_partial judges despite missing days and unreadable files); a \
                      principal created after the logs begin, or that IAM's own last-used dates show in use, is \
                      not reported. Service-linked roles are AWS's. Where this judges a role, ROLE_UNUSED (IAM's \
                      last-used date alone) stays quiet.",
        severity: Severity::Medium,
        kinds: &["iam.user", "iam.role", "cloudtrail.usage"],
        compliance: &[(CIS, "1.12"), (FSBP, "IAM.8"), (SOC2, "CC6.2"), (SOC2, "CC6.3")],
        help_text: "Delete the user or role if nothing needs it any more.",
        help_markdown: "Check with the owner; if nothing needs the principal, remove it from the infrastructure \
                        code (or delete it). A role only used once a quarter needs a longer `--usage-days`.",
        remediation: "aws iam delete-role --role-name ROLE / aws iam delete-user --user-name USER (after removing \
                      its policies, keys and profiles).",
    },
    RuleText {
        id: UNUSED_PERMISSIONS,
        title: "Principals are allowed only what they use",
        description: "Actions a user or role may perform (its effective permissions: inline, customer- and \
                      AWS-managed and group policies, denies, boundary and SCPs) that it did not use in the \
                      CloudTrail window are standing privilege an attacker inherits with its credentials. Reported \
                      by access level, permissions management and writes first; medium when a write or \
                      permissions-management action is unused, low for reads alone. Judged on the same logs as \
                      UNUSED_PRINCIPAL; an action whose use those logs cannot show (an S3 object read without \
                      S3 data events, a source the trail leaves out, calls CloudTrail never logs such as \
                      logs:PutLogEvents) is never called unused. The fix replaces each of the principal's own \
                      documents with a generated one: the used actions on the resources the uses touched (a \
                      shared path where three or more share one), the old conditions and denies kept, and \
                      what the logs cannot show kept as it was; the host proves it allows every use and \
                      nothing the old document did not.",
        severity: Severity::Medium,
        kinds: ACCOUNT_IAM_USAGE,
        compliance: &[(SOC2, "CC6.1"), (SOC2, "CC6.3")],
        help_text: "Replace the policy with one that allows what the principal used.",
        help_markdown: "Review the generated policy (`bbscan plan show`): it keeps the actions the principal used, \
                        on the resources it touched, with the old conditions, and drops the rest. Apply it with \
                        `bbscan apply`; `bbscan rollback` restores the old document.",
        remediation: "bbscan plan -o plan.json && bbscan plan show plan.json && bbscan apply plan.json (or write \
                      the generated document with aws iam put-role-policy).",
    },
    RuleText {
        id: DENIED_ATTEMPTS,
        title: "Refused calls are looked into",
        description: "Calls a user or role made that AWS refused (AccessDenied, UnauthorizedOperation) in the \
                      CloudTrail window: a deployment missing a permission, a misconfigured stage reading another \
                      stage's secrets, or someone probing with stolen credentials. Informational: attempts are \
                      not use, and never widen a generated policy.",
        severity: Severity::Info,
        kinds: &["iam.user", "iam.role", "cloudtrail.usage"],
        compliance: &[(SOC2, "CC7.2")],
        help_text: "Find out why the principal keeps trying calls it is not allowed.",
        help_markdown: "Look at the refused calls (action, resource, last time): grant the permission if the \
                        work needs it, fix the code or configuration if it does not, rotate the credentials if \
                        nobody recognises them.",
        remediation: "aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=NAME \
                      (or query the trail's logs) to see the refused calls in full.",
    },
];

/// Every rule of the policy.
pub fn all() -> Vec<Rule> {
    DEFS.iter().map(RuleText::rule).collect()
}

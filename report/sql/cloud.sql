-- section: Cloud
-- CloudTrail and Kubernetes audit records: who did what from where, errors, console logins
-- without MFA, the root account's activity, and changes to keys, secrets and policies.
-- table: ct_actors | CloudTrail: who did what from where
SELECT ct.user AS "user", ct.user_identitytype AS identity, ct.srcip AS source_ip,
       ct.region AS region, ct.src AS service, ct.name AS call, count(*) AS records,
       count(ct.error) AS errors, min(evt.time) AS first, max(evt.time) AS last
FROM cloudtrail
GROUP BY ALL ORDER BY records DESC, "user", call;
-- table: ct_errors | CloudTrail: errors
SELECT evt.time AS time, ct.user AS "user", ct.srcip AS source_ip, ct.name AS call,
       ct.error AS error, ct.errormessage AS message
FROM cloudtrail WHERE ct.error IS NOT NULL
ORDER BY evt.num;
-- table: ct_nomfa | CloudTrail: console logins without MFA
SELECT evt.time AS time, ct.user AS "user", ct.user_identitytype AS identity,
       ct.srcip AS source_ip, json_extract_string(raw, '$.responseElements.ConsoleLogin') AS result,
       coalesce(json_extract_string(raw, '$.additionalEventData.MFAUsed'), '<NA>') AS mfa_used
FROM cloudtrail
WHERE ct.name = 'ConsoleLogin'
  AND coalesce(json_extract_string(raw, '$.additionalEventData.MFAUsed'), '') <> 'Yes'
ORDER BY evt.num;
-- table: ct_root | CloudTrail: root account activity
SELECT evt.time AS time, ct.name AS call, ct.srcip AS source_ip, ct.region AS region,
       ct.error AS error, ct.info AS info
FROM cloudtrail WHERE ct.user_identitytype = 'Root'
ORDER BY evt.num;
-- table: ct_changes | CloudTrail: key, secret and policy changes
SELECT evt.time AS time, ct.user AS "user", ct.srcip AS source_ip, ct.src AS service,
       ct.name AS call, ct.error AS error, ct.info AS info
FROM cloudtrail
WHERE NOT regexp_matches(ct.name, '^(Get|List|Describe|Head|Lookup|BatchGet|Decrypt|Encrypt|GenerateDataKey)')
  AND regexp_matches(ct.name, 'AccessKey|Policy|Secret|LoginProfile|MFADevice|KeyPair|SSHPublicKey|ServiceSpecificCredential|SigningCertificate|^(CreateKey|DisableKey|EnableKey|ScheduleKeyDeletion|CancelKeyDeletion|ImportKeyMaterial|DeleteImportedKeyMaterial|CreateGrant|RevokeGrant|RetireGrant|PutBucketAcl|PutObjectAcl|PutBucketPublicAccessBlock|DeleteBucketPublicAccessBlock|UpdateAssumeRolePolicy|CreateUser|DeleteUser|CreateRole|DeleteRole|AddUserToGroup|RemoveUserFromGroup|DeactivateMFADevice|DeleteTrail|StopLogging|UpdateTrail)$')
ORDER BY evt.num;
-- table: k8s_actors | Kubernetes: who did what from where
SELECT ka.user_name AS "user", array_to_string(ka.sourceips, ' ') AS source_ips,
       ka.verb AS verb, ka.target_resource AS resource, ka.target_namespace AS namespace,
       count(*) AS records, count(*) FILTER (WHERE TRY_CAST(ka.response_code AS INTEGER) >= 400) AS errors
FROM k8saudit
GROUP BY ALL ORDER BY records DESC, "user", verb, resource;
-- table: k8s_errors | Kubernetes: refused or failed requests
SELECT evt.time AS time, ka.user_name AS "user", ka.verb AS verb, ka.uri AS uri,
       ka.response_code AS code, ka.response_reason AS reason
FROM k8saudit WHERE TRY_CAST(ka.response_code AS INTEGER) >= 400
ORDER BY evt.num;
-- table: k8s_changes | Kubernetes: secret, role and binding changes
SELECT evt.time AS time, ka.user_name AS "user", ka.verb AS verb, ka.target_resource AS resource,
       ka.target_namespace AS namespace, ka.target_name AS name, ka.response_code AS code
FROM k8saudit
WHERE ka.verb IN ('create', 'update', 'patch', 'delete', 'deletecollection')
  AND ka.target_resource IN ('secrets', 'roles', 'clusterroles', 'rolebindings',
                             'clusterrolebindings', 'serviceaccounts', 'configmaps')
ORDER BY evt.num;

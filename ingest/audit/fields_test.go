package audit

import "testing"

// Records beyond the shared ones, for the plugins' rules the goldens do not reach; the
// values are what the plugins' extraction code gives for them.
func TestFieldRules(t *testing.T) {
	const s3get = `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAX:alice-session","arn":"arn:aws:sts::1:assumed-role/Admin/alice-session","sessionContext":{"sessionIssuer":{"userName":"Admin"}}},
"eventTime":"2023-05-01T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"10.0.0.1",
"requestParameters":{"bucketName":"logs","key":"a/b.txt","Host":"logs.s3.amazonaws.com"},"additionalEventData":{"bytesTransferredIn":0.0,"bytesTransferredOut":1234},
"readOnly":true,"managementEvent":false,"sessionCredentialFromConsole":"true","resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::logs/a/b.txt"},{"accountId":"1","type":"AWS::S3::Bucket"}],"recipientAccountId":"1"}`
	const login = `{"eventVersion":"1.05","userIdentity":{"type":"Root","principalId":"1","arn":"arn:aws:iam::1:root","accountId":"1"},"eventTime":"2023-05-01T10:00:00Z",
"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","sourceIPAddress":"1.2.3.4","errorCode":"Failed authentication","errorMessage":"Failed authentication",
"responseElements":{"ConsoleLogin":"Failure"},"additionalEventData":{"MFAUsed":"No"},"readOnly":false,"eventType":"AwsConsoleSignIn"}`
	const pab = `{"eventVersion":"1.08","userIdentity":{"type":"AWSService","invokedBy":"s3.amazonaws.com"},"eventSource":"s3.amazonaws.com","eventName":"PutBucketPublicAccessBlock",
"sourceIPAddress":"s3.amazonaws.com","requestParameters":{"bucketName":"b","PublicAccessBlockConfiguration":{"BlockPublicAcls":true,"RestrictPublicBuckets":false}},"readOnly":false}`
	const pod = `{"kind":"Event","auditID":"x","verb":"create","requestURI":"/api/v1/namespaces/d/pods/p/exec?command=sh&command=-c&tty=a+b",
"objectRef":{"resource":"pods","namespace":"d","name":"p"},"requestObject":{"kind":"Pod","spec":{"securityContext":{"runAsUser":1000},"hostPID":true,
"containers":[{"name":"a","image":"reg.io/team/app:1.2@sha256:ab","ports":[{"containerPort":80},{"containerPort":81,"hostPort":8081}],"securityContext":{"runAsUser":0,"capabilities":{"add":["NET_ADMIN","SYS_TIME"]}}},
{"name":"b","image":"busybox","args":["sleep","1"]}],
"volumes":[{"name":"h","hostPath":{"path":"/var/run/docker.sock"}},{"name":"c","configMap":{"name":"x"}}]}},
"responseStatus":{"code":403,"reason":"Forbidden"},"user":{"username":"u","groups":["g"]},"impersonatedUser":{"username":"admin"},"userAgent":"kubectl",
"annotations":{"authorization.k8s.io/decision":"forbid"}}`
	const binding = `{"kind":"Event","auditID":"y","verb":"create","objectRef":{"resource":"clusterrolebindings","name":"rb"},
"requestObject":{"roleRef":{"name":"cluster-admin"},"subjects":[{"kind":"User","name":"bob"},{"kind":"ServiceAccount","name":"sa","namespace":"kube-system"},{"kind":"Group","name":"devs"}]}}`
	for _, c := range []struct{ rec, field, arg, want string }{
		{s3get, "ct.user", "", "Admin"},
		{s3get, "ct.originaluser", "", "alice-session"},
		{s3get, "ct.user.accountid", "", "1"}, // recipientAccountId when userIdentity has none
		{s3get, "ct.info", "", "Admin via 10.0.0.1 ← GetObject Size=1234 URI=s3://logs/a/b.txt"},
		{s3get, "s3.uri", "", "s3://logs/a/b.txt"},
		{s3get, "s3.bytes", "", "1234"},
		{s3get, "s3.bytes.in", "", "0"},
		{s3get, "s3.cnt.get", "", "1"},
		{s3get, "s3.cnt.other", "", "<NA>"},
		{s3get, "ct.readonly", "", "true"},
		{s3get, "ct.managementevent", "", "false"},
		{s3get, "ct.sessioncredentialfromconsole", "", "false"}, // a string, not a boolean
		{s3get, "ct.resources", "", `{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::logs/a/b.txt"},{"accountId":"1","type":"AWS::S3::Bucket"}`},
		{s3get, "ct.shortsrc", "", "s3"},
		{s3get, "ct.request.host", "", "logs.s3.amazonaws.com"},
		{login, "ct.user", "", "<NA>"}, // Root without a userName
		{login, "ct.info", "", "<invalid cloudtrail event: userIdentity field missing>"},
		{login, "ct.error", "", "Failed authentication"},
		{login, "json.value", "/additionalEventData/MFAUsed", "No"},
		{login, "json.value", "/responseElements", `{"ConsoleLogin":"Failure"}`},
		{login, "ct.readonly", "", "false"},
		{pab, "ct.user", "", "s3.amazonaws.com"},
		{pab, "ct.info", "", "s3.amazonaws.com → PutBucketPublicAccessBlock BlockPublicAcls=false BlockPublicPolicy=false IgnorePublicAcls=false RestrictPublicBuckets=false "},
		{pod, "ka.uri.param", "command", "sh"},
		{pod, "ka.uri.param", "tty", "a b"},
		{pod, "ka.req.pod.containers.image", "", "(reg.io/team/app:1.2@sha256:ab,busybox)"},
		{pod, "ka.req.pod.containers.image", "1", "(busybox)"},
		{pod, "ka.req.pod.containers.image.repository", "", "(reg.io/team/app,busybox)"},
		{pod, "ka.req.container.image.repository", "", "reg.io/team/app"},
		{pod, "ka.req.pod.containers.host_port", "", "(80,8081)"},
		{pod, "ka.req.pod.containers.run_as_user", "", "(0)"},
		{pod, "ka.req.pod.run_as_user", "", "1000"},
		{pod, "ka.req.pod.containers.add_capabilities", "", `(["NET_ADMIN","SYS_TIME"])`},
		{pod, "ka.req.pod.containers.args", "", `(["sleep","1"])`},
		{pod, "ka.req.pod.containers.privileged", "", "<NA>"},
		{pod, "ka.req.container.privileged", "", "false"},
		{pod, "ka.req.pod.host_pid", "", "true"},
		{pod, "ka.req.pod.volumes.hostpath", "", "(/var/run/docker.sock)"},
		{pod, "ka.req.volume.hostpath", "/var/run/*", "true"},
		{pod, "ka.req.volume.hostpath", "/etc", "false"},
		{pod, "ka.req.pod.volumes.volume_type", "", "(hostPath,configMap)"},
		{pod, "ka.response.code", "", "403"},
		{pod, "ka.response.reason", "", "Forbidden"},
		{pod, "ka.impuser.name", "", "admin"},
		{pod, "ka.useragent", "", "kubectl"},
		{pod, "ka.target.pod.name", "", "<NA>"},
		{pod, "ka.req.pod.initContainers.name", "", "<NA>"},
		{binding, "ka.req.binding.subjects.user_names", "", "(bob)"},
		{binding, "ka.req.binding.subjects.serviceaccount_names", "", "(sa)"},
		{binding, "ka.req.binding.subjects.serviceaccount_ns_names", "", "(kube-system:sa)"},
		{binding, "ka.req.binding.subjects.group_names", "", "(devs)"},
		{binding, "ka.req.binding.role", "", "cluster-admin"},
		{binding, "ka.req.binding.subject.has_name", "bob", "true"},
		{binding, "jevt.value", "/requestObject/subjects/1/namespace", "kube-system"},
		{binding, "jevt.value", "/requestObject/subjects/9", "<NA>"},
	} {
		r, err := NewRecord([]byte(c.rec))
		if err != nil {
			t.Fatalf("%s: %v", c.field, err)
		}
		f, ok := Lookup(c.field)
		if !ok {
			t.Fatalf("no field %s", c.field)
		}
		if got := f.Extract(r, c.arg).Text(); got != c.want {
			t.Errorf("%s[%s]: got %q, want %q", c.field, c.arg, got, c.want)
		}
	}
}

// TestDumpNumbers: the json plugin's number rendering.
func TestDumpNumbers(t *testing.T) {
	for raw, want := range map[string]string{
		"0": "0", "-5": "-5", "18446744073709551615": "18446744073709551615", "1.0": "1.0", "1.5": "1.5",
		"1e2": "100.0", "0.0001": "0.0001", "0.00001": "1e-05", "1e100": "1e+100", "123456789012345678901": "1.2345678901234568e+20",
	} {
		if got := string(dumpNumber(nil, raw)); got != want {
			t.Errorf("%s: got %s, want %s", raw, got, want)
		}
	}
}

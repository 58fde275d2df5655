package audit

import (
	"fmt"
	"strings"

	"github.com/valyala/fastjson"
)

// CloudTrail fields follow the cloudtrail plugin's Go extractor: a field naming a JSON
// member is present when the member is, with the member's text if it is a string and an
// empty string otherwise; the bool fields read JSON booleans only (a string "true" is
// false); ct.request.documentname is declared but never extracted.

// ctStr is a field read from one member path.
func ctStr(name, desc string, path ...string) *Field {
	return &Field{Name: name, Kind: CloudTrail, Desc: desc, get: func(r *Record, _ string) Value {
		return memberText(r.v.Get(path...))
	}}
}

// memberText is the plugin's string reading of a member: absent if missing, "" if not a
// string.
func memberText(v *fastjson.Value) Value {
	if v == nil {
		return none()
	}
	return str(string(v.GetStringBytes()))
}

// ctJSON is a field holding a member's JSON text.
func ctJSON(name, desc string, path ...string) *Field {
	return &Field{Name: name, Kind: CloudTrail, Desc: desc, get: func(r *Record, _ string) Value {
		v := r.v.Get(path...)
		if v == nil {
			return none()
		}
		return str(string(v.MarshalTo(nil)))
	}}
}

// ctBool renders a member as "true"/"false" when present (non-booleans are false).
func ctBool(name, desc, key string) *Field {
	return &Field{Name: name, Kind: CloudTrail, Desc: desc, get: func(r *Record, _ string) Value {
		v := r.v.Get(key)
		if v == nil {
			return none()
		}
		if b, _ := v.Bool(); b {
			return str("true")
		}
		return str("false")
	}}
}

func ctFunc(name, desc string, f func(v *fastjson.Value) Value) *Field {
	return &Field{Name: name, Kind: CloudTrail, Desc: desc, get: func(r *Record, _ string) Value { return f(r.v) }}
}

func ctUint(name, desc string, f func(v *fastjson.Value) Value) *Field {
	fl := ctFunc(name, desc, f)
	fl.Type = Uint
	return fl
}

const awsTrailer = ".amazonaws.com"

var cloudtrailFields = []*Field{
	ctStr("ct.id", "the unique ID of the cloudtrail event (eventID in the json).", "eventID"),
	ctStr("ct.error", "the error code from the event; absent if there was no error.", "errorCode"),
	ctStr("ct.errormessage", "the description of an error; absent if there was no error.", "errorMessage"),
	ctStr("ct.time", "the timestamp of the cloudtrail event (eventTime in the json).", "eventTime"),
	ctStr("ct.src", "the source of the cloudtrail event (eventSource in the json).", "eventSource"),
	ctFunc("ct.shortsrc", "the source of the cloudtrail event (eventSource in the json, without the '.amazonaws.com' trailer).", func(v *fastjson.Value) Value {
		val := memberText(v.Get("eventSource"))
		if val.OK && len(val.S) > len(awsTrailer) && strings.HasSuffix(val.S, awsTrailer) {
			val.S = val.S[:len(val.S)-len(awsTrailer)]
		}
		return val
	}),
	ctStr("ct.name", "the name of the cloudtrail event (eventName in the json).", "eventName"),
	ctFunc("ct.user", "the user of the cloudtrail event (userIdentity.userName in the json; for AssumedRole the role from sessionContext.sessionIssuer.userName).", ctUser),
	ctFunc("ct.originaluser", "the user name as seen in CloudTrail: for AssumedRole the session name from userIdentity.arn or principalId, for other identities userIdentity.userName.", ctOriginalUser),
	ctFunc("ct.user.accountid", "the account id of the user of the cloudtrail event.", func(v *fastjson.Value) Value {
		if a := v.Get("userIdentity", "accountId"); a != nil {
			return memberText(a)
		}
		return memberText(v.Get("recipientAccountId"))
	}),
	ctStr("ct.user.identitytype", "the kind of user identity (e.g. Root, IAMUser, AWSService, etc.)", "userIdentity", "type"),
	ctStr("ct.user.principalid", "a unique identifier for the user that made the request.", "userIdentity", "principalId"),
	ctStr("ct.user.arn", "the Amazon Resource Name (ARN) of the user that made the request.", "userIdentity", "arn"),
	ctStr("ct.region", "the region of the cloudtrail event (awsRegion in the json).", "awsRegion"),
	ctStr("ct.response.subnetid", "the subnet ID included in the response.", "responseElements", "subnetId"),
	ctStr("ct.response.reservationid", "the reservation ID included in the response.", "responseElements", "reservationId"),
	ctJSON("ct.response", "all response elements.", "responseElements"),
	ctStr("ct.request.availabilityzone", "the availability zone included in the request.", "requestParameters", "availabilityZone"),
	ctStr("ct.request.cluster", "the cluster included in the request.", "requestParameters", "cluster"),
	ctStr("ct.request.functionname", "the function name included in the request.", "requestParameters", "functionName"),
	ctStr("ct.request.groupname", "the group name included in the request.", "requestParameters", "groupName"),
	ctStr("ct.request.host", "the host included in the request.", "requestParameters", "Host"),
	ctStr("ct.request.name", "the name of the entity being acted on in the request.", "requestParameters", "name"),
	ctStr("ct.request.policy", "the policy included in the request.", "requestParameters", "policy"),
	ctStr("ct.request.reason", "the reason included in the request.", "requestParameters", "reason"),
	ctStr("ct.request.target", "the target included in the request.", "requestParameters", "target"),
	ctFunc("ct.request.documentname", "the document name included in the request (the plugin never extracts it).", func(*fastjson.Value) Value { return none() }),
	ctStr("ct.request.serialnumber", "the serial number provided in the request.", "requestParameters", "serialNumber"),
	ctStr("ct.request.servicename", "the service name provided in the request.", "requestParameters", "serviceName"),
	ctStr("ct.request.subnetid", "the subnet ID provided in the request.", "requestParameters", "subnetId"),
	ctStr("ct.request.taskdefinition", "the task definition provided in the request.", "requestParameters", "taskDefinition"),
	ctStr("ct.request.username", "the username provided in the request.", "requestParameters", "userName"),
	ctJSON("ct.request", "all request parameters.", "requestParameters"),
	ctStr("ct.srcip", "the IP address generating the event (sourceIPAddress in the json).", "sourceIPAddress"),
	ctStr("ct.useragent", "the user agent generating the event (userAgent in the json).", "userAgent"),
	ctFunc("ct.info", "summary information about the event: who, from where, what, read (←) or write (→), ! on error, and event-specific details.", func(v *fastjson.Value) Value { return str(ctInfo(v)) }),
	ctBool("ct.managementevent", "'true' if the event is a management event (AwsApiCall, AwsConsoleAction, AwsConsoleSignIn, or AwsServiceEvent), 'false' otherwise.", "managementEvent"),
	ctBool("ct.readonly", "'true' if the event only reads information (e.g. DescribeInstances), 'false' if it modifies the state; absent when the record does not say.", "readOnly"),
	ctStr("ct.requestid", "the value that identifies the request.", "requestID"),
	ctStr("ct.eventtype", "the type of event that generated the event record.", "eventType"),
	ctStr("ct.apiversion", "the API version associated with the AwsApiCall eventType value.", "apiVersion"),
	ctFunc("ct.resources", "the resources accessed in the event, as JSON objects separated by commas.", func(v *fastjson.Value) Value {
		r := v.Get("resources")
		if r == nil {
			return none()
		}
		arr, _ := r.Array()
		parts := make([]string, 0, len(arr))
		for _, e := range arr {
			parts = append(parts, string(e.MarshalTo(nil)))
		}
		if s := strings.Join(parts, ","); s != "" {
			return str(s)
		}
		return none()
	}),
	ctStr("ct.recipientaccountid", "the account ID that received this event.", "recipientAccountId"),
	ctStr("ct.serviceeventdetails", "the service event, including what triggered the event and the result.", "serviceEventDetails"),
	ctStr("ct.sharedeventid", "GUID generated by CloudTrail to uniquely identify CloudTrail events.", "sharedEventID"),
	ctStr("ct.vpcendpointid", "the VPC endpoint in which requests were made.", "vpcEndpointId"),
	ctStr("ct.eventcategory", "the event category that is used in LookupEvents calls.", "eventCategory"),
	ctStr("ct.addendum.reason", "the reason that the event or some of its contents were missing.", "addendum", "reason"),
	ctStr("ct.addendum.updatedfields", "the event record fields that are updated by the addendum.", "addendum", "updatedFields"),
	ctStr("ct.addendum.originalrequestid", "the original unique ID of the request.", "addendum", "originalRequestID"),
	ctStr("ct.addendum.originaleventid", "the original event ID.", "addendum", "originalEventID"),
	ctBool("ct.sessioncredentialfromconsole", "whether or not an event originated from an AWS Management Console session.", "sessionCredentialFromConsole"),
	ctStr("ct.edgedevicedetails", "information about edge devices that are targets of a request.", "edgeDeviceDetails"),
	ctStr("ct.tlsdetails.tlsversion", "the TLS version of a request.", "tlsDetails", "tlsVersion"),
	ctStr("ct.tlsdetails.ciphersuite", "the cipher suite (combination of security algorithms used) of a request.", "tlsDetails", "cipherSuite"),
	ctStr("ct.tlsdetails.clientprovidedhostheader", "the client-provided host name used in the service API call.", "tlsDetails", "clientProvidedHostHeader"),
	ctJSON("ct.additionaleventdata", "all additional event data attributes.", "additionalEventData"),
	ctFunc("s3.uri", "the s3 URI (s3://<bucket>/<key>).", func(v *fastjson.Value) Value {
		b := v.GetStringBytes("requestParameters", "bucketName")
		k := v.GetStringBytes("requestParameters", "key")
		if b == nil || k == nil {
			return none()
		}
		return str(fmt.Sprintf("s3://%s/%s", b, k))
	}),
	ctStr("s3.bucket", "the bucket name for s3 events.", "requestParameters", "bucketName"),
	ctStr("s3.key", "the S3 key name.", "requestParameters", "key"),
	ctUint("s3.bytes", "the size of an s3 download or upload, in bytes.", s3Bytes),
	ctUint("s3.bytes.in", "the size of an s3 upload, in bytes.", func(v *fastjson.Value) Value { return byteCount(v.Get("additionalEventData", "bytesTransferredIn")) }),
	ctUint("s3.bytes.out", "the size of an s3 download, in bytes.", func(v *fastjson.Value) Value { return byteCount(v.Get("additionalEventData", "bytesTransferredOut")) }),
	ctUint("s3.cnt.get", "the number of get operations: 1 for GetObject events, absent otherwise.", func(v *fastjson.Value) Value { return countIf(string(v.GetStringBytes("eventName")) == "GetObject") }),
	ctUint("s3.cnt.put", "the number of put operations: 1 for PutObject events, absent otherwise.", func(v *fastjson.Value) Value { return countIf(string(v.GetStringBytes("eventName")) == "PutObject") }),
	ctUint("s3.cnt.other", "the number of non I/O operations: absent for GetObject and PutObject events, 1 for all the other events.", func(v *fastjson.Value) Value {
		n := string(v.GetStringBytes("eventName"))
		return countIf(n != "GetObject" && n != "PutObject")
	}),
	ctFunc("ec2.name", "the name of the ec2 instances, typically stored in the instance tags.", ec2Name),
	ctFunc("ec2.imageid", "the ID for the image used to run the ec2 instance in the response.", func(v *fastjson.Value) Value {
		items := v.GetArray("responseElements", "tagSpecificationSet", "items")
		if len(items) == 0 {
			return none()
		}
		if id := string(items[0].GetStringBytes("imageId")); id != "" {
			return str(id)
		}
		return none()
	}),
	{Name: "ec2.imageids", Kind: CloudTrail, Type: List, Arg: IndexArg, Desc: "the IDs of the images of the instances in the request (an index picks one).", get: ec2ImageIDs},
	ctStr("ecr.repository", "the name of the ecr Repository specified in the request.", "requestParameters", "repositoryName"),
	ctStr("ecr.imagetag", "the tag of the image specified in the request.", "requestParameters", "imageTag"),
	ctStr("iam.role", "the IAM role specified in the request.", "requestParameters", "roleName"),
	ctStr("iam.policy", "the IAM policy specified in the request.", "requestParameters", "policyName"),
}

func countIf(b bool) Value {
	if b {
		return uintv(1)
	}
	return Value{Type: Uint}
}

// ctUser is the plugin's user: by identity type, absent for unknown types or a missing name.
func ctUser(v *fastjson.Value) Value {
	t := v.GetStringBytes("userIdentity", "type")
	if t == nil {
		return none()
	}
	var name *fastjson.Value
	switch string(t) {
	case "Root", "IAMUser":
		name = v.Get("userIdentity", "userName")
	case "AWSService":
		name = v.Get("userIdentity", "invokedBy")
	case "AssumedRole":
		name = v.Get("userIdentity", "sessionContext", "sessionIssuer", "userName")
		if name == nil {
			return str("AssumedRole")
		}
	case "AWSAccount", "FederatedUser":
		return str(string(t))
	default:
		return none()
	}
	if name == nil {
		return none()
	}
	return str(string(name.GetStringBytes()))
}

func ctOriginalUser(v *fastjson.Value) Value {
	if string(v.GetStringBytes("userIdentity", "type")) == "AssumedRole" {
		if arn := v.GetStringBytes("userIdentity", "arn"); arn != nil {
			if p := strings.Split(string(arn), "/"); len(p) == 3 {
				return str(p[2])
			}
		}
		if pid := v.GetStringBytes("userIdentity", "principalId"); pid != nil {
			if p := strings.Split(string(pid), ":"); len(p) == 2 {
				return str(p[1])
			}
		}
		return none()
	}
	return memberText(v.Get("userIdentity", "userName"))
}

func ctInfo(v *fastjson.Value) string {
	user := ctUser(v)
	if !user.OK {
		return "<invalid cloudtrail event: userIdentity field missing>"
	}
	src := memberText(v.Get("sourceIPAddress"))
	if !src.OK {
		return "<invalid cloudtrail event: eventSource field missing>"
	}
	errSym := ""
	if v.Get("errorCode") != nil {
		errSym = "!"
	}
	rw := "←"
	if ro := v.Get("readOnly"); ro != nil {
		if b, _ := ro.Bool(); !b {
			rw = "→"
		}
	}
	name := memberText(v.Get("eventName"))
	if !name.OK {
		return "<invalid cloudtrail event: eventName field missing>"
	}
	var info string
	if user.S == src.S {
		info = fmt.Sprintf("%v %v%v %v", user.S, errSym, rw, name.S)
	} else {
		info = fmt.Sprintf("%v via %v %v%v %v", user.S, src.S, errSym, rw, name.S)
	}
	if name.S == "PutBucketPublicAccessBlock" {
		if v.GetObject("requestParameters", "PublicAccessBlockConfiguration") != nil {
			// the plugin reads these four flags at the record's top level, where they never are
			info += fmt.Sprintf(" BlockPublicAcls=%v BlockPublicPolicy=%v IgnorePublicAcls=%v RestrictPublicBuckets=%v ",
				v.GetBool("BlockPublicAcls"), v.GetBool("BlockPublicPolicy"), v.GetBool("IgnorePublicAcls"), v.GetBool("RestrictPublicBuckets"))
		}
		return info
	}
	if b := s3Bytes(v); b.OK {
		info += fmt.Sprintf(" Size=%v", b.U)
	}
	bucket := memberText(v.Get("requestParameters", "bucketName"))
	key := memberText(v.Get("requestParameters", "key"))
	bs, ks := v.GetStringBytes("requestParameters", "bucketName"), v.GetStringBytes("requestParameters", "key")
	switch {
	case bs != nil && ks != nil:
		return info + fmt.Sprintf(" URI=s3://%s/%s", bs, ks)
	case bucket.OK:
		return info + " Bucket=" + bucket.S
	case key.OK:
		return info + " Key=" + key.S
	}
	if h := memberText(v.Get("requestParameters", "Host")); h.OK {
		info += " Host=" + h.S
	}
	return info
}

// byteValue reads a byte count that may be written as a float (33.0).
func byteValue(v *fastjson.Value) uint64 {
	if u, err := v.Uint64(); err == nil {
		return u
	}
	if f, err := v.Float64(); err == nil {
		return uint64(f)
	}
	return 0
}

func byteCount(v *fastjson.Value) Value {
	if v == nil {
		return Value{Type: Uint}
	}
	return uintv(byteValue(v))
}

func s3Bytes(v *fastjson.Value) Value {
	in := v.Get("additionalEventData", "bytesTransferredIn")
	out := v.Get("additionalEventData", "bytesTransferredOut")
	if in == nil && out == nil {
		return Value{Type: Uint}
	}
	var t uint64
	if in != nil {
		t += byteValue(in)
	}
	if out != nil {
		t += byteValue(out)
	}
	return uintv(t)
}

func ec2Name(v *fastjson.Value) Value {
	items := v.GetArray("requestParameters", "tagSpecificationSet", "items")
	if items == nil {
		return none()
	}
	name := ""
	for _, it := range items {
		if string(it.GetStringBytes("resourceType")) != "instance" {
			continue
		}
		for _, tag := range it.GetArray("tags") {
			if string(tag.GetStringBytes("key")) == "Name" {
				name = string(tag.GetStringBytes("value"))
				break
			}
		}
	}
	if name == "" {
		return none()
	}
	return str(name)
}

func ec2ImageIDs(r *Record, arg string) Value {
	var ids []string
	for _, it := range r.v.GetArray("requestParameters", "instancesSet", "items") {
		if id := it.GetStringBytes("imageId"); id != nil {
			ids = append(ids, string(id))
		}
	}
	return pick(ids, arg)
}

// pick applies an optional index argument to a list: one element, or the whole list.
func pick(l []string, arg string) Value {
	if arg == "" {
		return list(l)
	}
	i, ok := indexArg(arg)
	if !ok || i >= len(l) {
		return none()
	}
	return str(l[i])
}

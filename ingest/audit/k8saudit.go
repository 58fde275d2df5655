package audit

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// Kubernetes audit fields follow the k8saudit plugin's extractor: JSON members are read
// as text (strings unescaped, other values as their JSON), list fields walk the arrays on
// their path (an index argument picks the same element of every array on the way), and an
// empty list is no value.

var (
	errNotAvailable = errors.New("field not available")
	errWrongType    = errors.New("wrong type conversion")
)

func indexArg(arg string) (int, bool) {
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 {
		return 0, false
	}
	return i, true
}

// noIndex means no index argument.
const noIndex = -1

func argIndex(arg string) int {
	if arg == "" {
		return noIndex
	}
	if i, ok := indexArg(arg); ok {
		return i
	}
	return noIndex
}

// text is the plugin's reading of a JSON value as a string.
func text(v *fastjson.Value) (string, error) {
	if v == nil {
		return "", errWrongType
	}
	if v.Type() == fastjson.TypeString {
		return string(v.GetStringBytes()), nil
	}
	return string(v.MarshalTo(nil)), nil
}

func texts(vs []*fastjson.Value) ([]string, error) {
	var out []string
	for _, v := range vs {
		s, err := text(v)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func textsSkipNil(vs []*fastjson.Value) []string {
	var out []string
	for _, v := range vs {
		if s, err := text(v); err == nil {
			out = append(out, s)
		}
	}
	return out
}

func textsOr(vs []*fastjson.Value, def string) []string {
	var out []string
	for _, v := range vs {
		s, err := text(v)
		if err != nil {
			s = def
		}
		out = append(out, s)
	}
	return out
}

// walk follows keys from v; an array met on the way is entered: every element without an
// index (a missing member giving a nil entry), the index-th element with one.
func walk(v *fastjson.Value, index int, keys ...string) ([]*fastjson.Value, error) {
	for i, k := range keys {
		if v.Type() == fastjson.TypeArray {
			if index == noIndex {
				var res []*fastjson.Value
				for _, e := range v.GetArray() {
					sub, err := walk(e, index, keys[i:]...)
					switch err {
					case nil:
						res = append(res, sub...)
					case errNotAvailable:
						res = append(res, nil)
					default:
						return nil, err
					}
				}
				return res, nil
			}
			arr := v.GetArray()
			if index >= len(arr) {
				return nil, errNotAvailable
			}
			v = arr[index]
		}
		if k != "" {
			v = v.Get(k)
		}
		if v == nil {
			return nil, errNotAvailable
		}
	}
	return []*fastjson.Value{v}, nil
}

func result(l []string, err error) Value {
	if err != nil {
		return Value{Type: List}
	}
	return list(l)
}

// kaStr reads one member as text.
func kaStr(name, desc string, path ...string) *Field {
	return &Field{Name: name, Kind: K8sAudit, Desc: desc, get: func(r *Record, _ string) Value {
		v := r.v.Get(path...)
		if v == nil {
			return none()
		}
		s, _ := text(v)
		return str(s)
	}}
}

// kaList reads a member that must be an array, each element as text.
func kaList(name, desc string, path ...string) *Field {
	return &Field{Name: name, Kind: K8sAudit, Type: List, Desc: desc, get: func(r *Record, _ string) Value {
		v := r.v.Get(path...)
		if v == nil || v.Type() != fastjson.TypeArray {
			return Value{Type: List}
		}
		l, err := texts(v.GetArray())
		return result(l, err)
	}}
}

// kaWalk walks path (entering arrays) and keeps the non-missing values as text: an array
// at the end of the path (a container's args, its added capabilities) is one value, its JSON.
func kaWalk(name, desc string, path ...string) *Field {
	return &Field{Name: name, Kind: K8sAudit, Type: List, Arg: IndexArg, Desc: desc, get: func(r *Record, arg string) Value {
		vs, err := walk(r.v, argIndex(arg), path...)
		if err != nil {
			return Value{Type: List}
		}
		return list(textsSkipNil(vs))
	}}
}

func kaFunc(name, desc string, t Type, arg ArgStyle, f func(r *Record, arg string) Value) *Field {
	return &Field{Name: name, Kind: K8sAudit, Type: t, Arg: arg, Desc: desc, get: f}
}

// images reads the images of a container list; a container without one makes it absent.
func images(v *fastjson.Value, list string, index int) ([]string, error) {
	vs, err := walk(v, index, "requestObject", "spec", list, "image")
	if err != nil {
		return nil, err
	}
	return texts(vs)
}

func repository(image string) string {
	return strings.Split(strings.Split(image, ":")[0], "@")[0]
}

func repositories(v *fastjson.Value, list string, index int) ([]string, error) {
	im, err := images(v, list, index)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(im))
	for _, i := range im {
		out = append(out, repository(i))
	}
	return out, nil
}

func hostPorts(v *fastjson.Value, list string, index int) ([]string, error) {
	cps, err := walk(v, index, "requestObject", "spec", list, "ports")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ports := range cps {
		if ports == nil {
			continue
		}
		if ports.Type() != fastjson.TypeArray {
			return nil, errWrongType
		}
		for _, p := range ports.GetArray() {
			if hp := p.Get("hostPort"); hp != nil {
				s, _ := text(hp)
				out = append(out, s)
			} else if cp := p.Get("containerPort"); cp != nil {
				s, _ := text(cp)
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// effective reads a per-container setting with the pod's value (or "0") as the default.
func effective(v *fastjson.Value, list string, index int, key string) ([]string, error) {
	def := "0"
	if pv := v.Get("requestObject", "spec", key); pv != nil {
		def, _ = text(pv)
	}
	vs, err := walk(v, index, "requestObject", "spec", list, key)
	if err != nil {
		return nil, err
	}
	return textsOr(vs, def), nil
}

// containerFields are the per-container fields of one container list (containers,
// initContainers, ephemeralContainers).
func containerFields(list string) []*Field {
	p := "ka.req.pod." + list + "."
	what := map[string]string{"containers": "containers", "initContainers": "init containers", "ephemeralContainers": "ephemeral containers"}[list]
	sc := func(key ...string) []string {
		return append([]string{"requestObject", "spec", list, "securityContext"}, key...)
	}
	return []*Field{
		kaWalk(p+"args", "when the request object refers to a pod, the "+what+"' args.", "requestObject", "spec", list, "args"),
		kaWalk(p+"command", "when the request object refers to a pod, the "+what+"' commands.", "requestObject", "spec", list, "command"),
		kaWalk(p+"name", "when the request object refers to a pod, the "+what+"' names.", "requestObject", "spec", list, "name"),
		kaFunc(p+"image", "when the request object refers to a pod, the "+what+"' images.", List, IndexArg, func(r *Record, arg string) Value {
			return result(images(r.v, list, argIndex(arg)))
		}),
		kaFunc(p+"image.repository", "the "+what+"' images, only the repository part (e.g. falcosecurity/falco).", List, IndexArg, func(r *Record, arg string) Value {
			return result(repositories(r.v, list, argIndex(arg)))
		}),
		kaFunc(p+"host_port", "when the request object refers to a pod, all "+what+"' hostPort values.", List, IndexArg, func(r *Record, arg string) Value {
			return result(hostPorts(r.v, list, argIndex(arg)))
		}),
		kaWalk(p+"privileged", "when the request object refers to a pod, the privileged flag of all "+what+".", sc("privileged")...),
		kaWalk(p+"allow_privilege_escalation", "when the request object refers to a pod, the allowPrivilegeEscalation flag of all "+what+".", sc("allowPrivilegeEscalation")...),
		kaWalk(p+"read_only_fs", "when the request object refers to a pod, the readOnlyRootFilesystem flag of all "+what+".", sc("readOnlyRootFilesystem")...),
		kaWalk(p+"run_as_user", "when the request object refers to a pod, the runAsUser uid of all "+what+".", sc("runAsUser")...),
		kaFunc(p+"eff_run_as_user", "when the request object refers to a pod, the initial uid of all "+what+" (the pod's runAsUser, or 0, where a container sets none).", List, IndexArg, func(r *Record, arg string) Value {
			return result(effective(r.v, list, argIndex(arg), "runAsUser"))
		}),
		kaWalk(p+"run_as_group", "when the request object refers to a pod, the runAsGroup gid of all "+what+".", sc("runAsGroup")...),
		kaFunc(p+"eff_run_as_group", "when the request object refers to a pod, the initial gid of all "+what+" (the pod's runAsGroup, or 0, where a container sets none).", List, IndexArg, func(r *Record, arg string) Value {
			return result(effective(r.v, list, argIndex(arg), "runAsGroup"))
		}),
		kaWalk(p+"proc_mount", "when the request object refers to a pod, the procMount types of all "+what+".", sc("procMount")...),
		kaWalk(p+"add_capabilities", "when the request object refers to a pod, the capabilities added by all "+what+".", sc("capabilities", "add")...),
	}
}

// subjectNames lists the names of the binding's subjects of a kind.
func subjectNames(kind string, withNS bool) func(r *Record, _ string) Value {
	return func(r *Record, _ string) Value {
		subs := r.v.Get("requestObject", "subjects")
		if subs == nil || subs.Type() != fastjson.TypeArray {
			return Value{Type: List}
		}
		var out []string
		for _, s := range subs.GetArray() {
			if string(s.GetStringBytes("kind")) != kind {
				continue
			}
			name := s.GetStringBytes("name")
			if name == nil {
				continue
			}
			if withNS {
				out = append(out, string(s.GetStringBytes("namespace"))+":"+string(name))
			} else {
				out = append(out, string(name))
			}
		}
		return list(out)
	}
}

// rulesField lists the elements of one member of every rule of a role.
func rulesField(key string) func(r *Record, arg string) Value {
	return func(r *Record, arg string) Value {
		vs, err := walk(r.v, argIndex(arg), "requestObject", "rules", key)
		if err != nil {
			return Value{Type: List}
		}
		var out []string
		for _, v := range vs {
			if v != nil && v.Type() == fastjson.TypeArray {
				out = append(out, textsSkipNil(v.GetArray())...)
			}
		}
		return list(out)
	}
}

func buildK8sFields() []*Field {
	fs := []*Field{
		kaStr("ka.auditid", "the unique id of the audit event.", "auditID"),
		kaStr("ka.stage", "stage of the request (e.g. RequestReceived, ResponseComplete, etc.)", "stage"),
		kaStr("ka.auth.decision", "the authorization decision.", "annotations", "authorization.k8s.io/decision"),
		kaStr("ka.auth.reason", "the authorization reason.", "annotations", "authorization.k8s.io/reason"),
		kaStr("ka.auth.openshift.decision", "the authentication decision of the openshift apiserver extension (openshift clusters only).", "annotations", "authorization.openshift.io/decision"),
		kaStr("ka.validations.admission.policy.failure", "the validation failure reason from a Validation Admission Policy.", "annotations", "validation.policy.admission.k8s.io/validation_failure"),
		kaStr("ka.security.pod.violations", "the violation reason for pod security policy.", "annotations", "pod-security.kubernetes.io/audit-violations"),
		kaStr("ka.auth.openshift.username", "the user name performing the openshift authentication operation (openshift clusters only).", "annotations", "authentication.openshift.io/username"),
		kaStr("ka.user.name", "the user name performing the request.", "user", "username"),
		kaList("ka.user.groups", "the groups to which the user belongs.", "user", "groups"),
		kaStr("ka.impuser.name", "the impersonated user name.", "impersonatedUser", "username"),
		kaStr("ka.verb", "the action being performed.", "verb"),
		kaStr("ka.uri", "the request URI as sent from client to server.", "requestURI"),
		kaFunc("ka.uri.param", "the value of a query parameter of the uri (when uri=/foo?key=val, ka.uri.param[key] is val).", String, KeyArg, uriParam),
		kaStr("ka.target.name", "the target object name.", "objectRef", "name"),
		kaStr("ka.target.namespace", "the target object namespace.", "objectRef", "namespace"),
		kaStr("ka.target.resource", "the target object resource.", "objectRef", "resource"),
		kaStr("ka.target.subresource", "the target object subresource.", "objectRef", "subresource"),
		kaFunc("ka.target.pod.name", "the target pod name.", String, NoArg, func(r *Record, _ string) Value {
			if string(r.v.GetStringBytes("objectRef", "resource")) != "pods" {
				return none()
			}
			v := r.v.Get("responseObject", "metadata", "name")
			if v == nil {
				return none()
			}
			s, _ := text(v)
			return str(s)
		}),
		kaList("ka.req.binding.subjects", "when the request object refers to a cluster role binding, the subjects (e.g. account/users) being linked by the binding.", "requestObject", "subjects"),
		kaFunc("ka.req.binding.subjects.user_names", "when the request object refers to a cluster role binding, the subject user names being linked by the binding.", List, NoArg, subjectNames("User", false)),
		kaFunc("ka.req.binding.subjects.serviceaccount_names", "when the request object refers to a cluster role binding, the subject service account names being linked by the binding.", List, NoArg, subjectNames("ServiceAccount", false)),
		kaFunc("ka.req.binding.subjects.serviceaccount_ns_names", "when the request object refers to a cluster role binding, the subject service accounts as namespace:name.", List, NoArg, subjectNames("ServiceAccount", true)),
		kaFunc("ka.req.binding.subjects.group_names", "when the request object refers to a cluster role binding, the subject group names being linked by the binding.", List, NoArg, subjectNames("Group", false)),
		kaStr("ka.req.binding.role", "when the request object refers to a cluster role binding, the role being linked by the binding.", "requestObject", "roleRef", "name"),
		kaFunc("ka.req.binding.subject.has_name", "deprecated, always true; only provided for backwards compatibility.", String, KeyArg, func(*Record, string) Value { return str("true") }),
		kaStr("ka.req.configmap.name", "if the request object refers to a configmap, the configmap name.", "objectRef", "name"),
		kaStr("ka.req.configmap.obj", "if the request object refers to a configmap, the entire configmap object.", "requestObject", "data"),
	}
	cf := containerFields("containers")
	fs = append(fs, cf[:5]...) // args, command, name, image, image.repository
	fs = append(fs,
		kaFunc("ka.req.container.image", "deprecated by ka.req.pod.containers.image; the image of the first container only.", String, NoArg, func(r *Record, _ string) Value {
			im, err := images(r.v, "containers", 0)
			if err != nil || len(im) == 0 {
				return none()
			}
			return str(im[0])
		}),
		kaFunc("ka.req.container.image.repository", "deprecated by ka.req.pod.containers.image.repository; the repository of the first container only.", String, NoArg, func(r *Record, _ string) Value {
			im, err := repositories(r.v, "containers", 0)
			if err != nil || len(im) == 0 {
				return none()
			}
			return str(im[0])
		}),
		kaStr("ka.req.pod.host_ipc", "when the request object refers to a pod, the value of the hostIPC flag.", "requestObject", "spec", "hostIPC"),
		kaStr("ka.req.pod.host_network", "when the request object refers to a pod, the value of the hostNetwork flag.", "requestObject", "spec", "hostNetwork"),
		kaStr("ka.req.container.host_network", "deprecated alias for ka.req.pod.host_network.", "requestObject", "spec", "hostNetwork"),
		kaStr("ka.req.pod.host_pid", "when the request object refers to a pod, the value of the hostPID flag.", "requestObject", "spec", "hostPID"),
		cf[5], // host_port
		cf[6], // privileged
		kaFunc("ka.req.container.privileged", "deprecated by ka.req.pod.containers.privileged; true if any container has privileged=true.", String, NoArg, func(r *Record, _ string) Value {
			vs, err := walk(r.v, noIndex, "requestObject", "spec", "containers", "securityContext", "privileged")
			if err != nil {
				return none()
			}
			for _, p := range vs {
				if p != nil && p.GetBool() {
					return str("true")
				}
			}
			return str("false")
		}),
	)
	fs = append(fs, cf[7:9]...) // allow_privilege_escalation, read_only_fs
	fs = append(fs, kaStr("ka.req.pod.run_as_user", "when the request object refers to a pod, the runAsUser uid of the pod's security context.", "requestObject", "spec", "securityContext", "runAsUser"))
	fs = append(fs, cf[9:11]...) // run_as_user, eff_run_as_user
	fs = append(fs, kaStr("ka.req.pod.run_as_group", "when the request object refers to a pod, the runAsGroup gid of the pod's security context.", "requestObject", "spec", "securityContext", "runAsGroup"))
	fs = append(fs, cf[11:14]...) // run_as_group, eff_run_as_group, proc_mount
	fs = append(fs,
		kaList("ka.req.role.rules", "when the request object refers to a role/cluster role, the rules associated with the role.", "requestObject", "rules"),
		kaFunc("ka.req.role.rules.apiGroups", "when the request object refers to a role/cluster role, the api groups of the role's rules.", List, IndexArg, rulesField("apiGroups")),
		kaFunc("ka.req.role.rules.nonResourceURLs", "when the request object refers to a role/cluster role, the non resource urls of the role's rules.", List, IndexArg, rulesField("nonResourceURLs")),
		kaFunc("ka.req.role.rules.verbs", "when the request object refers to a role/cluster role, the verbs of the role's rules.", List, IndexArg, rulesField("verbs")),
		kaFunc("ka.req.role.rules.resources", "when the request object refers to a role/cluster role, the resources of the role's rules.", List, IndexArg, rulesField("resources")),
		kaStr("ka.req.pod.fs_group", "when the request object refers to a pod, the fsGroup gid of the security context.", "requestObject", "spec", "securityContext", "fsGroup"),
		kaList("ka.req.pod.supplemental_groups", "when the request object refers to a pod, the supplementalGroup gids of the security context.", "requestObject", "spec", "securityContext", "supplementalGroups"),
		cf[14], // add_capabilities
		kaStr("ka.req.service.type", "when the request object refers to a service, the service type.", "requestObject", "spec", "type"),
		kaWalk("ka.req.service.ports", "when the request object refers to a service, the service's ports.", "requestObject", "spec", "ports"),
		kaWalk("ka.req.pod.volumes.hostpath", "when the request object refers to a pod, all hostPath paths of its volumes.", "requestObject", "spec", "volumes", "hostPath", "path"),
		kaFunc("ka.req.volume.hostpath", "deprecated by ka.req.pod.volumes.hostpath; true if a volume uses the (host) path given (a trailing * matches a prefix).", String, KeyArg, volumeHostPath),
		kaWalk("ka.req.pod.volumes.flexvolume_driver", "when the request object refers to a pod, all flexvolume drivers of its volumes.", "requestObject", "spec", "volumes", "flexVolume", "driver"),
		kaFunc("ka.req.pod.volumes.volume_type", "when the request object refers to a pod, the volume types of its volumes.", List, IndexArg, volumeTypes),
		kaStr("ka.resp.name", "the response object name.", "responseObject", "metadata", "name"),
		kaStr("ka.response.code", "the response code.", "responseStatus", "code"),
		kaStr("ka.response.reason", "the response reason (usually present only for failures).", "responseStatus", "reason"),
		kaStr("ka.useragent", "the useragent of the client who made the request to the apiserver.", "userAgent"),
		// The plugin reads this list under requestObject.rules, where it never is.
		kaFunc("ka.sourceips", "the IP addresses of the client who made the request to the apiserver.", List, IndexArg, rulesField("sourceIPs")),
		kaFunc("ka.cluster.name", "the name of the k8s cluster (set by the collecting plugin's configuration, not by the event).", String, NoArg, func(*Record, string) Value { return none() }),
	)
	fs = append(fs, containerFields("initContainers")...)
	fs = append(fs, containerFields("ephemeralContainers")...)
	// every ka field needs an auditID, as the plugin discards other JSON
	for _, f := range fs {
		get := f.get
		f.get = func(r *Record, arg string) Value {
			if r.v.Get("auditID") == nil {
				return Value{Type: f.Type}
			}
			return get(r, arg)
		}
	}
	return fs
}

var k8sFields = buildK8sFields()

func uriParam(r *Record, arg string) Value {
	u := r.v.Get("requestURI")
	if u == nil {
		return none()
	}
	s, err := text(u)
	if err != nil {
		return none()
	}
	pu, err := url.Parse(s)
	if err != nil {
		return none()
	}
	q, err := url.ParseQuery(pu.RawQuery)
	if err != nil {
		return none()
	}
	if p := q[arg]; len(p) > 0 {
		return str(p[0])
	}
	return none()
}

func volumeHostPath(r *Record, arg string) Value {
	if arg == "" {
		return none()
	}
	vs, err := walk(r.v, noIndex, "requestObject", "spec", "volumes", "hostPath", "path")
	if err != nil {
		return none()
	}
	prefix, isPrefix := strings.CutSuffix(arg, "*")
	for _, v := range textsSkipNil(vs) {
		if isPrefix && strings.HasPrefix(v, prefix) || arg == v {
			return str("true")
		}
	}
	return str("false")
}

func volumeTypes(r *Record, arg string) Value {
	vs, err := walk(r.v, argIndex(arg), "requestObject", "spec", "volumes", "")
	if err != nil {
		return Value{Type: List}
	}
	var out []string
	for _, v := range vs {
		if v == nil || v.Type() != fastjson.TypeObject {
			continue
		}
		v.GetObject().Visit(func(k []byte, _ *fastjson.Value) {
			if string(k) != "name" {
				out = append(out, string(k))
			}
		})
	}
	return list(out)
}

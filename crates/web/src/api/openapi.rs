//! The OpenAPI 3.1 document of `/api/v1/`, served at `GET /api/v1/openapi.json`. A test checks that every
//! API route of the router is described here, so the two cannot drift apart.

use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn query(name: &str, description: &str, required: bool) -> Value {
    json!({ "name": name, "in": "query", "required": required, "description": description, "schema": { "type": "string" } })
}

fn path(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string" } })
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

/// Every code the `error` field of an error can hold: the edge's own and each refusal of the application layer.
pub fn error_codes() -> Vec<&'static str> {
    let mut codes = vec![
        "not_found",
        "validation_failed",
        "unauthenticated",
        "forbidden",
        "csrf_failed",
        "too_many_attempts",
        "payload_too_large",
        "bad_request",
        "internal_error",
    ];
    codes.extend(onetrip_app::Conflict::ALL.iter().map(|conflict| conflict.code()));
    codes
}

/// Every documented operation: (method, path).
pub fn operations() -> Vec<(String, String)> {
    let document = document();
    let mut operations = Vec::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            if let Some(methods) = item.as_object() {
                for method in methods.keys() {
                    operations.push((method.to_uppercase(), path.clone()));
                }
            }
        }
    }
    operations
}

pub fn document() -> Value {
    let secured = json!([{ "bearer": [] }, { "cookie": [] }]);
    let write_errors = |extra: Value| {
        let mut responses = json!({
            "401": error_response("未登录（unauthenticated）"),
            "403": error_response("角色无权限（forbidden）或 CSRF 校验失败（csrf_failed）"),
            "422": error_response("字段校验失败（validation_failed），fields 中逐项说明"),
        });
        if let (Some(target), Some(more)) = (responses.as_object_mut(), extra.as_object()) {
            target.extend(more.clone());
        }
        responses
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Onetrip 政务服务 API",
            "version": "1",
            "description": "事项目录、工作日历与办事指南的接口。写操作需要工作人员会话：POST /api/v1/sessions 取得 Bearer 令牌；浏览器会话另需 X-CSRF-Token 请求头。错误统一为 {\"error\": 代码, \"message\": 说明, \"fields\": {字段: 说明}}。"
        },
        "paths": {
            "/api/v1/matters": {
                "get": {
                    "summary": "现行事项列表；带 q 时按相关度排序（支持群众常用说法）",
                    "parameters": [query("q", "搜索词，例如 开公司、社保", false), query("department", "部门编码", false), query("theme", "主题分类", false), query("life_event", "人生事件", false), query("limit", "最多返回条数，1–1000，默认 100", false)],
                    "responses": { "200": ok("事项摘要", json!({ "type": "object", "properties": { "count": { "type": "integer" }, "items": { "type": "array", "items": { "$ref": "#/components/schemas/MatterSummary" } } } })) }
                },
                "post": {
                    "summary": "新增事项（第一个版本，调整类型为 create 或 take_over）",
                    "security": secured,
                    "requestBody": body(json!({ "type": "object", "required": ["adjustment", "matter"], "properties": { "adjustment": { "$ref": "#/components/schemas/Adjustment" }, "matter": { "$ref": "#/components/schemas/Matter" } } })),
                    "responses": write_errors(json!({ "201": ok("已保存", json!({ "type": "object", "properties": { "code": { "type": "string" }, "version": { "type": "integer" } } })), "409": error_response("事项编码已存在（already_exists）") }))
                }
            },
            "/api/v1/matters/{code}": {
                "get": {
                    "summary": "一个事项的现行版本，含全部要素",
                    "parameters": [path("code", "业务办理项编码")],
                    "responses": { "200": ok("现行版本", json!({ "$ref": "#/components/schemas/MatterVersion" })), "404": error_response("没有这个事项") }
                },
                "put": {
                    "summary": "调整事项：生成新版本，原版本保留；expected_version 须为最新版本号",
                    "security": secured,
                    "parameters": [path("code", "业务办理项编码")],
                    "requestBody": body(json!({ "type": "object", "required": ["expected_version", "adjustment", "matter"], "properties": { "expected_version": { "type": "integer" }, "adjustment": { "$ref": "#/components/schemas/Adjustment" }, "matter": { "$ref": "#/components/schemas/Matter" } } })),
                    "responses": write_errors(json!({ "200": ok("已保存", json!({ "type": "object", "properties": { "code": { "type": "string" }, "version": { "type": "integer" } } })), "409": error_response("他人已先保存了新版本（revision_changed）") }))
                }
            },
            "/api/v1/matters/{code}/versions": {
                "get": {
                    "summary": "事项的全部版本（修订记录），旧的在前",
                    "parameters": [path("code", "业务办理项编码")],
                    "responses": { "200": ok("版本列表", json!({ "type": "object", "properties": { "code": { "type": "string" }, "versions": { "type": "array", "items": { "$ref": "#/components/schemas/MatterVersion" } } } })), "404": error_response("没有这个事项") }
                }
            },
            "/api/v1/departments": {
                "get": { "summary": "实施部门", "responses": { "200": ok("部门列表", json!({ "type": "object" })) } }
            },
            "/api/v1/calendar/days": {
                "get": {
                    "summary": "逐日列出日期类型：workday / weekend / holiday / makeup_workday",
                    "parameters": [query("from", "开始日期 YYYY-MM-DD", true), query("to", "结束日期 YYYY-MM-DD，区间不超过 3 年", true)],
                    "responses": { "200": ok("日期列表", json!({ "type": "object", "properties": { "days": { "type": "array", "items": { "type": "object", "properties": { "date": { "type": "string", "format": "date" }, "kind": { "type": "string", "enum": ["workday", "weekend", "holiday", "makeup_workday"] }, "working": { "type": "boolean" }, "confirmed": { "type": "boolean", "description": "该年的放假通知已载入" } } } } } })), "422": error_response("日期格式或区间不对") }
                }
            },
            "/api/v1/calendar/due": {
                "get": {
                    "summary": "期限届满时刻：受理当日不计入，半个工作日从下一个办公时段起算",
                    "parameters": [query("start", "起算时刻，RFC 3339，例如 2026-03-02T09:30:00+08:00", true), query("working_days", "工作日数，可为 0.5 的倍数；0 或“即办”表示当日办结", true)],
                    "responses": { "200": ok("届满时刻", json!({ "type": "object", "properties": { "start": { "type": "string" }, "working_days": { "type": "number" }, "due": { "type": "string", "format": "date-time" } } })), "422": error_response("参数不对") }
                }
            },
            "/api/v1/calendar/between": {
                "get": {
                    "summary": "两个时刻之间的办公时间（工作日数）",
                    "parameters": [query("from", "RFC 3339", true), query("to", "RFC 3339", true)],
                    "responses": { "200": ok("办公时间", json!({ "type": "object", "properties": { "office_minutes": { "type": "integer" }, "working_days": { "type": "number" } } })), "422": error_response("参数不对") }
                }
            },
            "/api/v1/calendar/notices/{year}": {
                "put": {
                    "summary": "载入某年的放假安排（替换该年已有内容），需中心管理员",
                    "security": secured,
                    "parameters": [path("year", "通知年份")],
                    "requestBody": body(json!({ "type": "object", "required": ["text"], "properties": { "text": { "type": "string", "description": "每行：日期或“起..止” 种类 节日名称，例如 2027-02-06..2027-02-12 holiday 春节" } } })),
                    "responses": write_errors(json!({ "200": ok("已载入", json!({ "type": "object", "properties": { "year": { "type": "integer" }, "dates": { "type": "integer" } } })) }))
                }
            },
            "/api/v1/synonyms": {
                "get": { "summary": "搜索同义词表", "responses": { "200": ok("同义词表", json!({ "type": "object", "properties": { "text": { "type": "string" }, "count": { "type": "integer" } } })) } },
                "put": {
                    "summary": "替换同义词表，需中心管理员",
                    "security": secured,
                    "requestBody": body(json!({ "type": "object", "required": ["text"], "properties": { "text": { "type": "string", "description": "每行：群众说法 = 事项用词, 事项用词" } } })),
                    "responses": write_errors(json!({ "200": ok("已保存", json!({ "type": "object", "properties": { "count": { "type": "integer" } } })) }))
                }
            },
            "/api/v1/catalog/export.json": {
                "get": { "summary": "导出整个目录（JSON）", "responses": { "200": ok("目录", json!({ "$ref": "#/components/schemas/CatalogFile" })) } }
            },
            "/api/v1/catalog/export.xlsx": {
                "get": { "summary": "导出整个目录（Excel 工作簿）", "responses": { "200": { "description": "工作簿", "content": { "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {} } } } }
            },
            "/api/v1/catalog/import": {
                "post": {
                    "summary": "导入目录：请求体即 .xlsx 或 .json 文件；全部正确才导入，否则逐行列出问题",
                    "security": secured,
                    "parameters": [query("reason", "导入原因", true)],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CatalogFile" } }, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {} } },
                    "responses": write_errors(json!({ "200": ok("导入结果", json!({ "type": "object", "properties": { "imported": { "type": "object", "properties": { "created": { "type": "integer" }, "adjusted": { "type": "integer" }, "unchanged": { "type": "integer" }, "departments": { "type": "integer" } } } } })) }))
                }
            },
            "/api/v1/bundles": {
                "get": {
                    "summary": "一件事清单（如企业开办）：几个部门的事项一次申请、一套材料",
                    "responses": { "200": ok("一件事清单", json!({ "type": "object", "properties": { "bundles": { "type": "array", "items": { "$ref": "#/components/schemas/Bundle" } } } })) }
                },
                "put": {
                    "summary": "替换一件事清单（事项目录编辑）；其中每个事项须现行且可网上申请",
                    "security": secured,
                    "requestBody": body(json!({ "type": "object", "required": ["bundles"], "properties": { "bundles": { "type": "array", "items": { "$ref": "#/components/schemas/Bundle" } } } })),
                    "responses": write_errors(json!({ "200": ok("已保存", json!({ "type": "object", "properties": { "count": { "type": "integer" } } })) }))
                }
            },
            "/api/v1/cases": {
                "post": {
                    "summary": "登记办件（窗口收件或部门系统报送）；带 Idempotency-Key 请求头时，重试不会生成第二个办件",
                    "security": secured,
                    "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string", "maxLength": 100 } }],
                    "requestBody": body(json!({ "type": "object", "required": ["matter_code", "applicant"], "properties": {
                        "matter_code": { "type": "string" },
                        "applicant": { "type": "object", "required": ["kind", "id_number", "name", "phone"], "properties": {
                            "kind": { "type": "string", "enum": ["natural_person", "legal_person"] }, "id_number": { "type": "string" },
                            "name": { "type": "string" }, "phone": { "type": "string" } } },
                        "supplied": { "type": "array", "items": { "$ref": "#/components/schemas/Supplied" } },
                        "attachments": { "type": "array", "maxItems": 20, "description": "电子材料（PDF、JPG、PNG，每个不超过 5 MB，按内容判断类型）", "items": { "type": "object", "required": ["material", "name", "content_base64"], "properties": {
                            "material": { "type": "integer", "description": "材料在清单中的位置" }, "name": { "type": "string" }, "content_base64": { "type": "string" } } } } } })),
                    "responses": write_errors(json!({ "201": ok("新办件", json!({ "$ref": "#/components/schemas/Case" })), "200": ok("同一 Idempotency-Key 已登记过的办件", json!({ "$ref": "#/components/schemas/Case" })) }))
                }
            },
            "/api/v1/cases/{number}": {
                "get": {
                    "summary": "办件详情（申请人证件号已遮挡），含全部事件与到现场次数；窗口与管理员可看全部，审查人员只看本部门",
                    "security": secured,
                    "parameters": [path("number", "办件编号，例如 20261127-000017-5")],
                    "responses": { "200": ok("办件", json!({ "$ref": "#/components/schemas/Case" })), "401": error_response("未登录"), "403": error_response("无权查看"), "404": error_response("没有这个办件") }
                }
            },
            "/api/v1/cases/{number}/files/{id}": {
                "get": {
                    "summary": "办件的一份电子材料（原样返回，类型见 Content-Type）；文件编号见办件的 files，能看办件的才能取",
                    "security": secured,
                    "parameters": [path("number", "办件编号"), path("id", "文件编号")],
                    "responses": { "200": { "description": "文件内容", "content": { "application/pdf": {}, "image/jpeg": {}, "image/png": {} } }, "401": error_response("未登录"), "403": error_response("无权查看"), "404": error_response("没有这个办件或文件") }
                }
            },
            "/api/v1/cases/{number}/acceptance": {
                "post": {
                    "summary": "窗口的受理决定：correction_notice（一次性告知补正）、corrected（补正材料已收）、accept（受理）、refuse（不予受理）",
                    "security": secured,
                    "parameters": [path("number", "办件编号")],
                    "requestBody": body(json!({ "type": "object", "required": ["decision"], "properties": {
                        "decision": { "type": "string", "enum": ["correction_notice", "corrected", "accept", "refuse"] },
                        "supplied": { "type": "array", "items": { "$ref": "#/components/schemas/Supplied" } },
                        "notes": { "type": "array", "items": { "type": "object", "properties": { "material": { "type": "integer" }, "name": { "type": "string" }, "problem": { "type": "string" } } } },
                        "supervisor_reason": { "type": "string", "description": "第二次补正须由负责人签批并写明原因" },
                        "reasons": { "type": "string", "description": "不予受理的理由" },
                        "expected_revision": { "type": "integer" } } })),
                    "responses": write_errors(json!({ "200": ok("办件", json!({ "$ref": "#/components/schemas/Case" })), "409": error_response("办件状态不允许此操作（case_not_in_state），或已被他人处理（revision_changed）") }))
                }
            },
            "/api/v1/cases/{number}/review": {
                "post": {
                    "summary": "审查人员办理本部门的环节：approve（通过）、propose_refusal（建议不予许可）、return（退回到更早阶段）、decide（决定环节作出准予或不予决定）",
                    "security": secured,
                    "parameters": [path("number", "办件编号")],
                    "requestBody": body(json!({ "type": "object", "required": ["action", "task"], "properties": {
                        "action": { "type": "string", "enum": ["approve", "propose_refusal", "return", "decide"] },
                        "task": { "type": "integer", "description": "环节在 review.tasks 中的位置" },
                        "reason": { "type": "string" }, "to_stage": { "type": "integer" },
                        "granted": { "type": "boolean" }, "reasons": { "type": "string" } } })),
                    "responses": write_errors(json!({ "200": ok("办件", json!({ "$ref": "#/components/schemas/Case" })), "404": error_response("没有这个办件或环节"), "409": error_response("环节尚未轮到或已被办理（task_not_open）、已会签（already_signed）、办件不在审查中（case_not_in_state）") }))
                }
            },
            "/api/v1/cases/{number}/clock": {
                "post": {
                    "summary": "计时：pause（特别程序开始，暂停计时；本部门或大厅负责人）、resume（特别程序结束，恢复计时）、extend（延长办理时限，须大厅负责人批准）；每次都会通知申请人",
                    "security": secured,
                    "parameters": [path("number", "办件编号")],
                    "requestBody": body(json!({ "type": "object", "required": ["action"], "properties": {
                        "action": { "type": "string", "enum": ["pause", "resume", "extend"] },
                        "procedure": { "type": "string", "description": "特别程序名称，如 听证、专家评审、检验检测、鉴定" },
                        "reason": { "type": "string" },
                        "working_days": { "type": "integer", "minimum": 1, "maximum": 30 } } })),
                    "responses": write_errors(json!({ "200": ok("办件", json!({ "$ref": "#/components/schemas/Case" })), "409": error_response("办件不在审查中（case_not_in_state），或已暂停（clock_paused）/未暂停（clock_not_paused）") }))
                }
            },
            "/api/v1/cases/{number}/orders": {
                "post": {
                    "summary": "下达督办（大厅负责人）：督办要求和回复期限（工作日，60 天内），发给办件最紧急环节的责任部门",
                    "security": secured,
                    "parameters": [path("number", "办件编号")],
                    "requestBody": body(json!({ "type": "object", "required": ["instruction", "deadline"], "properties": {
                        "instruction": { "type": "string" }, "deadline": { "type": "string", "format": "date" } } })),
                    "responses": write_errors(json!({ "201": ok("督办单", json!({ "type": "object", "properties": { "id": { "type": "integer" } } })), "409": error_response("办件已办结（case_not_in_state）") }))
                }
            },
            "/api/v1/cases/{number}/orders/{id}/answer": {
                "post": {
                    "summary": "责任部门回复督办",
                    "security": secured,
                    "parameters": [path("number", "办件编号"), path("id", "督办单编号")],
                    "requestBody": body(json!({ "type": "object", "required": ["answer"], "properties": { "answer": { "type": "string" } } })),
                    "responses": write_errors(json!({ "204": { "description": "已回复" }, "409": error_response("已经回复过（already_answered）") }))
                }
            },
            "/api/v1/cases/{number}/delivery": {
                "post": {
                    "summary": "送达结果：pickup（窗口领取，记一次到现场）、post（邮寄，须填邮件号）、online（网上下载）",
                    "security": secured,
                    "parameters": [path("number", "办件编号")],
                    "requestBody": body(json!({ "type": "object", "required": ["method"], "properties": {
                        "method": { "type": "string", "enum": ["pickup", "post", "online"] },
                        "tracking_number": { "type": "string" } } })),
                    "responses": write_errors(json!({ "200": ok("办件", json!({ "$ref": "#/components/schemas/Case" })), "409": error_response("办件还没有可送达的结果（case_not_in_state）") }))
                }
            },
            "/api/v1/hall/layout": {
                "get": {
                    "summary": "大厅布局：大厅（含联网的专业大厅）、功能区（号码字头）、窗口（所属部门、兼叫的功能区、单独办理的事项、是否开放）",
                    "responses": { "200": ok("大厅布局", json!({ "$ref": "#/components/schemas/HallLayout" })) }
                },
                "put": {
                    "summary": "整体替换大厅布局（大厅管理员）；逐项检查编号重复、字头重复、引用不存在的大厅、功能区、部门或事项",
                    "security": secured,
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/HallLayout" } } } },
                    "responses": write_errors(json!({ "200": ok("保存后的布局", json!({ "$ref": "#/components/schemas/HallLayout" })) }))
                }
            },
            "/api/v1/hall/{hall}/tickets": {
                "post": {
                    "summary": "取号（自助机设备或部门系统，需工作人员令牌）：按功能区或事项（自动找到办理它的功能区），可选优先类别和身份证后四位",
                    "security": secured,
                    "parameters": [path("hall", "大厅编号，例如 centre")],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": {
                        "zone": { "type": "string" }, "matter": { "type": "string" },
                        "priority": { "type": "string", "enum": ["none", "elderly", "disabled"] },
                        "last_four": { "type": "string", "description": "身份证后四位，可不填" } } } } } },
                    "responses": write_errors(json!({ "201": ok("号票：号码、前面人数、预计等候分钟", json!({ "$ref": "#/components/schemas/Ticket" })), "404": error_response("没有这个大厅") }))
                }
            },
            "/api/v1/hall/{hall}/tickets/{number}": {
                "get": {
                    "summary": "今天的一个号（公开，不含个人信息）：状态、前面人数、预计等候、叫到的窗口",
                    "parameters": [path("hall", "大厅编号"), path("number", "号码，例如 D001")],
                    "responses": { "200": ok("号票", json!({ "$ref": "#/components/schemas/Ticket" })), "404": error_response("今天没有这个号") }
                }
            },
            "/api/v1/hall/{hall}/live": {
                "get": {
                    "summary": "大厅实况（大厅管理员）：各功能区等候人数、最长已等、今天平均等候与办理时间；各窗口办理中、空闲、暂离、空岗或暂停",
                    "security": secured,
                    "parameters": [path("hall", "大厅编号")],
                    "responses": { "200": ok("实况", json!({ "type": "object" })), "401": error_response("未登录"), "403": error_response("不是大厅管理员") }
                }
            },
            "/api/v1/hall/{hall}/plan": {
                "get": {
                    "summary": "窗口测算（大厅管理员）：按最近 20 个工作日的取号记录和办理时长，用 Erlang C 算出每个功能区上午、下午至少开几个窗口能让平均等候不超过 target 分钟，并列出开放和在岗窗口",
                    "security": secured,
                    "parameters": [path("hall", "大厅编号"), { "name": "target", "in": "query", "required": false, "description": "目标平均等候（分钟，1–120，默认 15）", "schema": { "type": "number" } }],
                    "responses": { "200": ok("测算结果", json!({ "type": "object" })), "401": error_response("未登录"), "403": error_response("不是大厅管理员"), "422": error_response("目标时间不在 1–120 分钟") }
                }
            },
            "/api/v1/hall/assignments": {
                "get": {
                    "summary": "窗口人员安排（大厅管理员）：未结束的任期安排",
                    "security": secured,
                    "responses": { "200": ok("安排", json!({ "type": "array" })), "401": error_response("未登录"), "403": error_response("不是大厅管理员") }
                },
                "post": {
                    "summary": "把窗口人员安排到窗口（大厅管理员）；任期默认一年；有安排的窗口只能由安排的人上岗",
                    "security": secured,
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["window", "username"], "properties": {
                        "window": { "type": "string" }, "username": { "type": "string" }, "starts": { "type": "string", "format": "date" }, "ends": { "type": "string", "format": "date" } } } } } },
                    "responses": write_errors(json!({ "201": ok("安排", json!({ "type": "object" })) }))
                }
            },
            "/api/v1/hall/assignments/{id}/end": {
                "post": {
                    "summary": "任期内调走（move_to 新窗口）或撤回（大厅管理员，须写明 reason），记入操作记录",
                    "security": secured,
                    "parameters": [path("id", "安排编号")],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["reason"], "properties": {
                        "reason": { "type": "string" }, "move_to": { "type": "string" } } } } } },
                    "responses": write_errors(json!({ "204": { "description": "已调整" }, "404": error_response("没有这项在岗安排") }))
                }
            },
            "/api/v1/hall/windows/{code}/presence": {
                "post": {
                    "summary": "在窗口上岗（sign_in）、暂离（break）、回岗（back）、下岗（sign_out）；一人一窗，一窗一人",
                    "security": secured,
                    "parameters": [path("code", "窗口编号，例如 D01")],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["action"], "properties": { "action": { "type": "string", "enum": ["sign_in", "break", "back", "sign_out"] } } } } } },
                    "responses": write_errors(json!({ "204": { "description": "已记录" }, "409": error_response("窗口暂停使用、已有人在岗或您不在这个窗口") }))
                }
            },
            "/api/v1/hall/windows/{code}/call": {
                "post": {
                    "summary": "叫下一位：先办完本窗口正在办理的号，再按“转给本窗口的、优先的、等得最久的”叫号；两个窗口同时叫不会叫到同一个号",
                    "security": secured,
                    "parameters": [path("code", "窗口编号")],
                    "responses": write_errors(json!({ "200": ok("叫到的号", json!({ "$ref": "#/components/schemas/Ticket" })), "204": { "description": "没有人等候" }, "409": error_response("窗口暂停、未上岗或暂离") }))
                }
            },
            "/api/v1/hall/windows/{code}/tickets/{id}": {
                "post": {
                    "summary": "处理本窗口叫到的号：recall（重呼）、miss（过号）、rejoin（过号后重新排队）、finish（办完）、transfer_zone（转功能区，须办理该事项）、transfer_window（转窗口）、link_case（关联办件）",
                    "security": secured,
                    "parameters": [path("code", "窗口编号"), path("id", "号的内部编号（叫号结果中的 id）")],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["action"], "properties": {
                        "action": { "type": "string", "enum": ["recall", "miss", "rejoin", "finish", "transfer_zone", "transfer_window", "link_case"] },
                        "zone": { "type": "string" }, "window": { "type": "string" }, "case_number": { "type": "string" } } } } } },
                    "responses": write_errors(json!({ "200": ok("处理后的号", json!({ "$ref": "#/components/schemas/Ticket" })), "404": error_response("没有这个号"), "409": error_response("不是本窗口正在办理的号，或刚被别的窗口处理过") }))
                }
            },
            "/api/v1/inbox": {
                "get": {
                    "summary": "审查人员的待办：本部门已开启的环节，按到期时间先后",
                    "security": secured,
                    "responses": { "200": ok("待办", json!({ "type": "object" })), "401": error_response("未登录"), "403": error_response("不是审查人员或未归属部门") }
                }
            },
            "/api/v1/progress": {
                "get": {
                    "summary": "公开查询办件进度：办件编号加申请人证件号后四位；不显示任何个人信息",
                    "parameters": [query("number", "办件编号", true), query("last_four", "证件号后四位", true)],
                    "responses": { "200": ok("进度", json!({ "type": "object" })), "404": error_response("编号与后四位不相符"), "422": error_response("编号格式不对") }
                }
            },
            "/api/v1/sessions": {
                "post": {
                    "summary": "工作人员登录，取得 Bearer 令牌（8 小时有效）；连续失败 5 次锁定 15 分钟",
                    "requestBody": body(json!({ "type": "object", "required": ["username", "password"], "properties": { "username": { "type": "string" }, "password": { "type": "string" } } })),
                    "responses": { "201": ok("令牌", json!({ "type": "object", "properties": { "token": { "type": "string" }, "token_type": { "type": "string" }, "expires_in": { "type": "integer" } } })), "422": error_response("用户名或密码不对"), "429": error_response("失败次数过多（too_many_attempts）") }
                }
            },
            "/api/v1/sessions/current": {
                "delete": { "summary": "退出登录", "security": secured, "responses": { "204": { "description": "已退出" }, "401": error_response("未登录") } }
            },
            "/api/v1/openapi.json": {
                "get": { "summary": "本文档", "responses": { "200": { "description": "OpenAPI 文档" } } }
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "onetrip_session", "description": "浏览器会话；写操作另需 X-CSRF-Token 请求头" }
            },
            "schemas": {
                "Error": { "type": "object", "required": ["error", "message"], "properties": {
                    "error": { "type": "string", "enum": error_codes() },
                    "message": { "type": "string" },
                    "fields": { "type": "object", "additionalProperties": { "type": "string" } } } },
                "MatterSummary": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" }, "department": { "type": "string" }, "department_name": { "type": "string" }, "kind": { "type": "string" }, "promised_limit": { "type": "string" }, "statutory_limit": { "type": "string" }, "trips_required": { "type": "integer" }, "online_depth": { "type": "string" } } },
                "Adjustment": { "type": "object", "required": ["kind", "reason", "effective_date"], "properties": {
                    "kind": { "type": "string", "enum": ["create", "merge", "cancel", "take_over", "adjust", "confirm"] },
                    "reason": { "type": "string" }, "effective_date": { "type": "string", "format": "date" }, "merged_into": { "type": "string" } } },
                "TimeLimit": { "oneOf": [{ "type": "number", "multipleOf": 0.5, "exclusiveMinimum": 0 }, { "type": "string", "enum": ["on_the_spot"] }] },
                "Matter": { "type": "object", "description": "事项的全部要素（见 shared/domain/standards.md §1.4）",
                    "required": ["code", "catalog_code", "main_item", "sub_item", "name", "kind", "department", "use_level", "legal_basis", "acceptance_conditions", "statutory_limit", "promised_limit", "handling_forms", "service_objects", "trips_required", "online_depth", "appointment_supported", "postal_supported", "online_payment_supported", "self_service_supported", "handle_area", "steps", "materials", "results", "address", "office_hours", "consultation_phone", "complaint_phone"],
                    "properties": {
                        "code": { "type": "string" }, "catalog_code": { "type": "string", "minLength": 12, "maxLength": 12 },
                        "main_item": { "type": "object" }, "sub_item": { "type": "object" }, "name": { "type": "string" },
                        "kind": { "type": "string", "enum": ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"] },
                        "department": { "type": "string" }, "use_level": { "type": "string", "enum": ["national", "provincial", "municipal", "county", "township", "village"] },
                        "legal_basis": { "type": "string" }, "acceptance_conditions": { "type": "string" },
                        "statutory_limit": { "$ref": "#/components/schemas/TimeLimit" }, "promised_limit": { "$ref": "#/components/schemas/TimeLimit" },
                        "handling_forms": { "type": "array", "items": { "type": "string", "enum": ["window", "online", "post"] } },
                        "service_objects": { "type": "array", "items": { "type": "string" } },
                        "trips_required": { "type": "integer", "minimum": 0, "maximum": 5 }, "trips_reason": { "type": "string" },
                        "online_depth": { "type": "string", "enum": ["none", "consult", "receive", "pre_review", "accept", "handle", "full"] },
                        "handle_area": { "type": "string", "enum": ["local", "county", "city", "province", "cross_province", "national"] },
                        "materials": { "type": "array", "items": { "type": "object" } }, "steps": { "type": "array", "items": { "type": "object" } },
                        "fees": { "type": "array", "items": { "type": "object" } }, "faqs": { "type": "array", "items": { "type": "object" } },
                        "results": { "type": "array", "items": { "type": "object" } }, "special_procedures": { "type": "array", "items": { "type": "object" } },
                        "themes": { "type": "array", "items": { "type": "string" } }, "life_events": { "type": "array", "items": { "type": "string" } }, "keywords": { "type": "array", "items": { "type": "string" } }
                    } },
                "MatterVersion": { "type": "object", "properties": { "version": { "type": "integer" }, "in_force": { "type": "boolean" }, "adjustment": { "$ref": "#/components/schemas/Adjustment" }, "author": { "type": "string" }, "case_kind": { "type": "string" }, "matter": { "$ref": "#/components/schemas/Matter" } } },
                "Bundle": { "type": "object", "required": ["code", "name", "summary", "matters"], "properties": {
                    "code": { "type": "string" }, "name": { "type": "string" }, "summary": { "type": "string" },
                    "matters": { "type": "array", "items": { "type": "string" }, "minItems": 2 },
                    "produced_within": { "type": "array", "items": { "type": "string" }, "description": "由本一件事中前序事项产生、无需申请人提交的材料名称" } } },
                "Supplied": { "type": "string", "enum": ["provided", "missing", "deferred", "pledged"], "description": "按事项材料清单顺序：已提供、缺少、容缺后补、告知承诺" },
                "Case": { "type": "object", "properties": { "number": { "type": "string" }, "matter_code": { "type": "string" }, "phase": { "type": "string", "enum": ["received", "awaiting_correction", "accepted", "suspended", "refused_to_accept", "granted", "refused", "delivered"] }, "phase_label": { "type": "string" }, "revision": { "type": "integer" }, "received_at": { "type": "string" }, "accepted_at": { "type": ["string", "null"] }, "due_at": { "type": ["string", "null"] }, "warn_at": { "type": ["string", "null"], "description": "亮黄牌的时刻" }, "clock": { "type": "object", "description": "特别程序暂停与延期" }, "delivery": { "type": ["object", "null"] }, "applicant": { "type": "object" }, "supplied": { "type": "array" }, "correction_notice": { "type": "array" }, "files": { "type": "array", "description": "按材料顺序，每份材料的文件编号", "items": { "type": "array", "items": { "type": "string" } } } } },
                "HallLayout": { "type": "object", "required": ["halls", "zones", "windows"], "properties": {
                    "halls": { "type": "array", "items": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" }, "address": { "type": "string" }, "networked": { "type": "boolean" } } } },
                    "zones": { "type": "array", "items": { "type": "object", "properties": { "code": { "type": "string" }, "hall": { "type": "string" }, "name": { "type": "string" }, "prefix": { "type": "string", "description": "一个大写字母" }, "location": { "type": "string" }, "departments": { "type": "array", "items": { "type": "string" } } } } },
                    "windows": { "type": "array", "items": { "type": "object", "properties": { "code": { "type": "string" }, "zone": { "type": "string" }, "departments": { "type": "array", "items": { "type": "string" } }, "also_zones": { "type": "array", "items": { "type": "string" } }, "matters": { "type": "array", "items": { "type": "string" } }, "open": { "type": "boolean" } } } } } },
                "Ticket": { "type": "object", "properties": { "id": { "type": "integer" }, "number": { "type": "string" }, "zone": { "type": "string" }, "zone_name": { "type": "string" }, "state": { "type": "string", "enum": ["waiting", "called", "missed", "finished"] }, "ahead": { "type": "integer" }, "wait_minutes": { "type": "integer" }, "window": { "type": "string" }, "announcement": { "type": "string" } } },
                "CatalogFile": { "type": "object", "required": ["departments", "matters"], "properties": { "departments": { "type": "array", "items": { "type": "object", "properties": { "code": { "type": "string" }, "name": { "type": "string" }, "credit_code": { "type": "string" } } } }, "matters": { "type": "array", "items": { "$ref": "#/components/schemas/Matter" } } } }
            }
        }
    })
}

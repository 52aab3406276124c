"""User-facing labels in Chinese (default) and English, and the register table the app shows."""

from __future__ import annotations

import datetime as dt

from layers._text import md_escape  # noqa: F401  (the UI's words and their escape, imported together)

LANGS = ("zh", "en")

TEXT = {
    "title": {"zh": "济宁市“十大攻坚行动”项目登记", "en": "Jining “Ten Key Tackling Actions”: project register"},
    "caption": {
        "zh": "来源:齐鲁晚报 2020年3月。每条措施都标明位置的精度和来源。",
        "en": "Source: Qilu Evening News, March 2020. Every measure shows how precisely its location is known, and from where.",
    },
    "language": {"zh": "语言", "en": "Language"},
    "measures": {"zh": "措施总数", "en": "Measures"},
    "precision_help": {"zh": "精度说明", "en": "What the precision means"},
    "error": {"zh": "数据有误,请按提示修改后重试:", "en": "The data has errors; fix them and reload:"},
    "list_heading": {"zh": "措施列表(序号同图上编号)", "en": "Measures (numbered as on the map)"},
    "details": {"zh": "措施详情", "en": "Measure details"},
    "map_hint": {
        "zh": "点击地图上的编号或列表中的一行查看详情;点击县区按县区筛选。",
        "en": "Click a number on the map or a row of the list for its details; click a county to filter by it.",
    },
    # ---- the web map and the HTML export -----------------------------------------------------
    "map_tip_labels": {"zh": ["", "行动", "类型", "位置精度"], "en": ["", "Action", "Kind", "Precision"]},
    "map_cluster_hint": {"zh": "此处 {n} 项措施,点击展开", "en": "{n} measures here: click to list them"},
    "legend_approx_point": {"zh": "近似位置(镇/县级)", "en": "approximate location (town/county)"},
    "legend_approx_shape": {"zh": "近似线/面(示意)", "en": "approximate line/area (schematic)"},
    "legend_county": {"zh": "县域措施所在县", "en": "county of a county-wide measure"},
    "legend_note": {"zh": "示意图,边界不作权属依据", "en": "Schematic map; boundaries are no basis for ownership"},
    "legend_heading": {"zh": "图例", "en": "Legend"},
    "legend_expand": {"zh": "展开图例", "en": "Show the legend"},
    "legend_collapse": {"zh": "收起图例", "en": "Hide the legend"},
    "precision_disc": {"zh": "定位精度 {km} km", "en": "Location precision {km} km"},
    "zone_extent": {"zh": "(范围示意)", "en": "(approximate extent)"},
    "html_hint": {
        "zh": "点击地图上的编号或列表中的措施查看详情。",
        "en": "Click a number on the map or a measure in the list for its details.",
    },
    "nowhere": {"zh": "无单一地点的措施", "en": "Measures with no single place"},
    # ---- the app: header, sidebar, tabs ------------------------------------------------------
    "tabs": {
        "zh": ["地图", "统计", "登记表", "导出", "导入与更正"],
        "en": ["Map", "Statistics", "Register", "Export", "Import & correct"],
    },
    "skip": {"zh": "跳到主要内容", "en": "Skip to main content"},
    "url_ignored": {"zh": "网址中有无法识别的参数,已忽略:", "en": "Ignored unknown URL parameters: "},
    "quarantined": {
        "zh": "{n} 条已保存的记录有问题,未显示在地图和导出中;请在“导入与更正”页查看并撤销。",
        "en": "{n} saved records have problems and are left out of the map and the exports; see the Import & correct tab.",
    },
    "f_action": {"zh": "行动", "en": "Action"},
    "f_action_all": {"zh": "全部行动", "en": "All actions"},
    "f_district": {"zh": "县市区 / 功能区", "en": "District / zone"},
    "f_district_all": {"zh": "全市", "en": "Whole city"},
    "f_form": {"zh": "空间形态", "en": "Form"},
    "f_kind": {"zh": "类型", "en": "Kind"},
    "f_all": {"zh": "全部", "en": "All"},
    "f_keyword": {"zh": "关键词", "en": "Keyword"},
    "f_keyword_hint": {"zh": "如:尼山、断头路", "en": "e.g. Nishan"},
    "place_search": {"zh": "地名搜索", "en": "Find a place"},
    "place_hint": {"zh": "如:兖州、大安镇、高新区,按回车", "en": "e.g. Yanzhou, then press Enter"},
    "place_within": {"zh": "{place}:范围内有 {n} 条措施", "en": "{place}: {n} measures within it"},
    "place_near": {"zh": "{place}:{km} 公里内有 {n} 条措施", "en": "{place}: {n} measures within {km} km"},
    "place_none_near": {
        "zh": "{place}:{km} 公里内没有措施;最近的:",
        "en": "{place}: no measure within {km} km; the nearest:",
    },
    "place_none": {
        "zh": "{place}:附近没有当前筛选的措施。",
        "en": "{place}: no measure of the current selection is near it.",
    },
    "place_more": {"zh": "另有 {n} 条,见地图", "en": "{n} more on the map"},
    "place_km": {"zh": "{km} 公里", "en": "{km} km"},
    "place_ambiguous": {"zh": "多个县区有“{q}”,请选择:", "en": "“{q}” is a place in several counties; choose one:"},
    "place_unknown": {"zh": "未找到地名“{q}”。", "en": "No place called “{q}” was found."},
    "f_citywide": {"zh": "包含全市性措施", "en": "Include city-wide measures"},
    "reset": {"zh": "重置筛选", "en": "Reset filters"},
    "f_light": {"zh": "进度灯", "en": "Progress light"},
    "asof": {"zh": "截至日期", "en": "As of"},
    "asof_help": {
        "zh": "地图、列表、详情和统计显示截至该日已填报的进度。",
        "en": "The map, list, details and statistics show the progress reported up to this date.",
    },
    "colouring": {"zh": "着色", "en": "Colour by"},
    "colour_action": {"zh": "按行动", "en": "action"},
    "colour_progress": {"zh": "按进度", "en": "progress"},
    "no_progress_yet": {
        "zh": "尚未填报任何进度:原文只有计划目标,全部措施均为“无计划”。进度在“导入与更正”页按模板填报。",
        "en": "No progress has been reported yet: the article states plans only, so every measure shows "
        "'no plan'. Progress is reported with the workbook on the Import & correct tab.",
    },
    "stats_lights_action": {"zh": "进度灯:按行动", "en": "Progress lights by action"},
    "stats_lights_district": {"zh": "进度灯:按县市区", "en": "Progress lights by district"},
    "progress_heading": {"zh": "进度", "en": "Progress"},
    "changes_heading": {"zh": "变化情况", "en": "What changed"},
    "changes_since": {"zh": "上次调度会日期", "en": "Since the meeting of"},
    "changes_counts": {
        "zh": "{since} 之后至 {asof}:{n} 项变化,新收到 {reports} 份进度报告。",
        "en": "After {since} up to {asof}: {n} changes, {reports} new progress reports.",
    },
    "prog_heading": {"zh": "进度填报", "en": "Report progress"},
    "prog_caption": {
        "zh": "下载左侧筛选出的措施的填报模板(计划、节点、进度三张表,已填入截至所选日期的最新值),"
        "填好后上传;保存前先预览各行和进度灯的变化,整份文件作为一次修改保存,可撤销。",
        "en": "Download the workbook of the measures the filters show (plan, milestones and reports, filled "
        "with the latest values as of the chosen date), fill it in and upload it; each row and the lights "
        "that change are shown before saving, and the file is saved as one change that can be undone.",
    },
    "prog_template": {"zh": "下载填报模板({n} 项措施)", "en": "Download the workbook ({n} measures)"},
    "prog_file": {"zh": "已填好的进度表(XLSX)", "en": "Filled workbook (XLSX)"},
    "prog_file_name": {"zh": "进度填报_{asof}.xlsx", "en": "progress_{asof}.xlsx"},
    "prog_light_change": {"zh": "- {id}:{old} → {new}", "en": "- {id}: {old} → {new}"},
    "prog_no_light_change": {"zh": "截至 {asof},保存后进度灯不变。", "en": "As of {asof}, no light changes."},
    "prog_light_changes": {"zh": "截至 {asof},保存后进度灯变化:", "en": "As of {asof}, the lights that change:"},
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_online": {
        "zh": "在线底图需要联网;无网络时请选“简图(离线)”。",
        "en": "Web basemaps need the internet; choose Simple map (offline) without it.",
    },
    "matching": {"zh": "符合条件的措施:{n} 条(共 {total} 条)", "en": "Matching measures: {n} of {total}"},
    "no_match": {"zh": "没有符合筛选条件的措施。", "en": "No measure matches these filters."},
    # ---- export tab --------------------------------------------------------------------------
    "x_caption": {"zh": "导出内容即当前筛选结果。", "en": "Every export contains exactly the current selection."},
    "x_format": {"zh": "格式", "en": "Format"},
    "x_layout": {"zh": "版式", "en": "Layout"},
    "x_layout_a4": {"zh": "A4 横向", "en": "A4 landscape"},
    "x_title": {"zh": "标题", "en": "Title"},
    "x_approval": {"zh": "审图号(可选)", "en": "Approval number (optional)"},
    "x_crs": {"zh": "坐标系(数据导出)", "en": "Coordinates (data exports)"},
    "x_create": {"zh": "生成文件", "en": "Create file"},
    "x_creating": {"zh": "正在生成…", "en": "Creating…"},
    "x_done": {"zh": "完成", "en": "Done"},
    "x_write_failed": {"zh": "无法写出文件:", "en": "The file could not be written: "},
    "x_download": {"zh": "下载", "en": "Download"},
    "x_unit": {"zh": "责任单位(汇报材料)", "en": "Responsible unit (briefing packs)"},
    "x_unit_all": {"zh": "全部责任单位", "en": "All units"},
    "x_changes": {"zh": "附“变化情况”页", "en": "Add a page of changes"},
    "x_since": {"zh": "上次调度会日期", "en": "Since the meeting of"},
    "x_battle_note": {
        "zh": "各行动页为作战图:图旁列出灯色、形象进度、下一节点、存在问题和月度时间轴;另按责任单位各列一页。",
        "en": "Each action's page is its battle map: lights, progress, next milestone, problems and a monthly "
        "timeline beside the map; then a page per responsible unit.",
    },
    "x_battle_note_unit": {
        "zh": "只含所选责任单位的措施,封面写明单位;各行动页为作战图。",
        "en": "Only the chosen unit's measures, its name on the cover; each action's page is its battle map.",
    },
    # ---- import and correct tab --------------------------------------------------------------
    # ---- sign-in and accounts ------------------------------------------------------------------
    "login_heading": {"zh": "编辑人员登录", "en": "Sign in to edit"},
    "login_oidc": {"zh": "使用单位账号登录", "en": "Sign in with your organisation"},
    "login_name": {"zh": "账户名", "en": "Account"},
    "login_password": {"zh": "密码", "en": "Password"},
    "login": {"zh": "登录", "en": "Sign in"},
    "logout": {"zh": "退出登录", "en": "Sign out"},
    "signed_in_as": {"zh": "已登录:{name}({role})", "en": "Signed in: {name} ({role})"},
    "login_required": {"zh": "请先登录后查看。", "en": "Please sign in to see the map."},
    "editing_as": {"zh": "以 {name} 的身份修改,记入修改记录。", "en": "Changes are recorded as {name}."},
    "edit_off": {
        "zh": "编辑功能未启用:管理员在服务器的项目文件夹中运行 `.venv/bin/python -m layers users add 姓名 --role editor`"
        "(密码从标准输入读取)添加编辑账户后,编辑人员即可在左侧登录,导入、更正或撤销。",
        "en": "Editing is off: an admin enables it in the project folder on the server with `.venv/bin/python -m layers users add NAME "
        "--role editor` (the password is read from standard input); editors then sign in on the left.",
    },
    "edit_sign_in": {
        "zh": "导入、更正和撤销需要编辑账户:请在左侧“编辑人员登录”处登录。",
        "en": "Importing, correcting and undoing need an editor account: sign in on the left.",
    },
    "edit_viewer": {
        "zh": "您的账户只能查看;需要编辑权限请联系管理员。",
        "en": "Your account may only view; ask an admin for the editor role.",
    },
    "acc_heading": {"zh": "账户管理", "en": "Accounts"},
    "acc_columns": {
        "zh": {"name": "账户名", "role": "角色", "created_at": "创建时间", "updated_at": "修改时间"},
        "en": {"name": "Account", "role": "Role", "created_at": "Created", "updated_at": "Changed"},
    },
    "acc_add": {"zh": "添加账户", "en": "Add an account"},
    "acc_remove": {"zh": "删除账户", "en": "Remove an account"},
    "acc_role": {"zh": "角色", "en": "Role"},
    "acc_password_again": {"zh": "再次输入密码", "en": "Password again"},
    "acc_passwords_differ": {
        "zh": "两次输入的密码不同;未作任何修改。",
        "en": "The two passwords differ; nothing changed.",
    },
    "imp_heading": {"zh": "导入项目清单", "en": "Import a list of measures"},
    "imp_caption": {
        "zh": "支持 CSV、XLSX(≤5 MB)。按表头识别列:项目名称、所属行动、县区、地点、经度、纬度……;保存前先预览。",
        "en": "CSV or XLSX (≤ 5 MB). Columns are recognised by header; review before saving.",
    },
    "imp_file": {"zh": "清单文件", "en": "List file"},
    "imp_crs": {"zh": "坐标系", "en": "Coordinate system"},
    "imp_sheet": {"zh": "工作表", "en": "Sheet"},
    "imp_unknown": {
        "zh": "以下列未识别,可指定对应字段(留空则忽略):",
        "en": "Unrecognised columns; map them or leave empty:",
    },
    "imp_errors": {
        "zh": "有错误行:请按提示修改文件后重新导入,本次不会保存任何内容。已保存的行重新导入时不会重复。",
        "en": "Some rows have errors: fix the file and import it again; nothing is saved now. "
        "Rows already saved are matched, not duplicated.",
    },
    "imp_conflicts": {
        "zh": "{n} 行会覆盖此后已保存的修改(状态“冲突”)。请选择如何处理:",
        "en": "{n} rows would replace changes saved since (status conflict). Choose:",
    },
    "imp_conflict_rows": {"zh": "冲突行", "en": "Conflicting rows"},
    "conflict_keep": {"zh": "保留已保存的版本", "en": "keep the saved version"},
    "conflict_replace": {"zh": "用文件中的行替换", "en": "replace it with the file's row"},
    "conflict_skip": {"zh": "跳过这些行", "en": "skip these rows"},
    "imp_nothing": {"zh": "没有新的或有变化的行。", "en": "No new or changed rows."},
    "imp_save": {"zh": "确认保存 {n} 行", "en": "Save {n} rows"},
    "saved": {"zh": "已保存。", "en": "Saved."},
    "saved_n": {
        "zh": "已保存 {n} 条(新增 {new},更新 {updated})。[查看修改记录](#history)",
        "en": "Saved {n} (new {new}, updated {updated}). [See the history](#history)",
    },
    "saved_none": {
        "zh": "没有变化:与已保存的内容相同,未写入。",
        "en": "No change: identical to what is saved; nothing written.",
    },
    "imp_map_caption": {
        "zh": "各行在地图上的位置(保存前):绿色按坐标,蓝色按地名,灰色无变化,橙色冲突。",
        "en": "Where each row would go (before saving): green by coordinates, blue by place name, grey unchanged, "
        "orange conflict.",
    },
    "upload_browse": {"zh": "上传文件", "en": "Upload"},
    "upload_limit": {"zh": "单个文件不超过 {mb} MB", "en": "{mb} MB per file"},
    "fix_heading": {"zh": "更正位置", "en": "Correct a location"},
    "fix_measure": {"zh": "措施", "en": "Measure"},
    "fix_method": {"zh": "方式", "en": "Method"},
    "method_map": {"zh": "在地图上点选", "en": "click the map"},
    "method_paste": {"zh": "粘贴坐标", "en": "paste coordinates"},
    "method_file": {"zh": "上传线/面 GeoJSON、KML", "en": "upload a GeoJSON/KML line or area"},
    "method_draw": {"zh": "在地图上绘制点/线/面", "en": "draw a point, line or area"},
    "draw_hint": {
        "zh": "用地图左上角的工具画线、画面或标点;现有图形可用“编辑节点”修改。换用天地图或 OSM 底图可看清道路。",
        "en": "Use the tools at the map's top left to draw a line, an area or a point; edit the present shape's "
        "vertices with “Edit vertices”. A Tianditu or OSM basemap shows the roads.",
    },
    "draw_done": {
        "zh": "已绘制{kind},精度 {km} 公里(按缩放级别 {zoom} 和底图)。",
        "en": "Drawn: {kind}, precision {km} km (from zoom {zoom} and the basemap).",
    },
    "source_drawn": {"zh": "{how},缩放级别 {zoom},底图:{basemap}", "en": "{how}, zoom {zoom}, basemap: {basemap}"},
    "basemap_none": {"zh": "简图(离线)", "en": "simple offline map"},
    "basemap_osm": {"zh": "OpenStreetMap", "en": "OpenStreetMap"},
    "basemap_positron": {"zh": "CartoDB Positron", "en": "CartoDB Positron"},
    "basemap_tianditu": {"zh": "天地图", "en": "Tianditu"},
    "basemap_gaode": {"zh": "高德地图", "en": "AMap (Gaode)"},
    "draw_kind_Point": {"zh": "点", "en": "a point"},
    "draw_kind_LineString": {"zh": "线", "en": "a line"},
    "draw_kind_Polygon": {"zh": "面", "en": "an area"},
    "pick_precision": {
        "zh": "精度 {km} 公里(按缩放级别 {zoom} 和底图)",
        "en": "precision {km} km (from zoom {zoom} and the basemap)",
    },
    "fix_clicked": {"zh": "已选点", "en": "Picked"},
    "fix_click_first": {
        "zh": "在下面的地图上点击新位置(这张图上的点击只选点,不筛选)。环形标记为现在的位置。",
        "en": "Click the new location on the map below (a click on this map only picks a point; it filters "
        "nothing). The ring marks where it is now.",
    },
    "fix_lonlat": {"zh": "经度, 纬度", "en": "lon, lat"},
    "fix_system": {"zh": "坐标系", "en": "System"},
    "fix_two_numbers": {"zh": "请输入两个数字:经度, 纬度", "en": "Give two numbers: lon, lat"},
    "fix_unreadable": {"zh": "无法读取该文件:", "en": "Cannot read this file: "},
    "fix_unusable": {"zh": "无法使用该位置:", "en": "This location cannot be used: "},
    "fix_save": {"zh": "保存位置", "en": "Save location"},
    "geometry_read": {"zh": "已读取:{kind}", "en": "Read: {kind}"},
    "hist_heading": {"zh": "撤销与修改记录", "en": "Undo and history"},
    "undo": {"zh": "撤销我最近一次修改", "en": "Undo my last change"},
    "undone": {"zh": "已撤销 {batch}", "en": "Undone: {batch}"},
    "nothing_to_undo": {
        "zh": "没有可撤销的修改:只能撤销以上姓名保存的修改。",
        "en": "Nothing to undo: only changes saved under the name above can be undone here.",
    },
    "hist_download": {"zh": "下载修改记录 CSV", "en": "Download history (CSV)"},
    "hist_columns": {
        "zh": {"at": "时间", "who": "修改人", "what": "操作", "measure_id": "措施编号"},
        "en": {"at": "When", "who": "Who", "what": "What", "measure_id": "Measure"},
    },
    "q_heading": {"zh": "有问题的已存记录", "en": "Saved records with problems"},
    "q_caption": {
        "zh": "这些记录未显示在地图和导出中。撤销保存它们的那次修改,或重新导入改正后的行。",
        "en": "They are left out of the map and the exports. Undo the change that saved them, or import a fixed row.",
    },
    "q_cli": {
        "zh": "命令行可列出并撤销任一次修改:`.venv/bin/python -m layers changes list` / `undo 批次号`",
        "en": "The command line lists and undoes any change: `.venv/bin/python -m layers changes list` / `undo BATCH`",
    },
}

#: The progress lights (layers.progress.lights), in the order a legend lists them.
LIGHT_WORDS = {
    "red": {"zh": "红 严重滞后", "en": "red: well behind"},
    "yellow": {"zh": "黄 进度滞后", "en": "yellow: behind"},
    "blue": {"zh": "蓝 正常推进", "en": "blue: on schedule"},
    "completed": {"zh": "完成", "en": "completed"},
    "cancelled": {"zh": "取消", "en": "cancelled"},
    "stale": {"zh": "未报告", "en": "not reported"},
    "no_plan": {"zh": "无计划", "en": "no plan"},
}

#: The lights in a word, for the list beside the map.
LIGHT_SHORT = {
    "red": {"zh": "红", "en": "red"},
    "yellow": {"zh": "黄", "en": "yellow"},
    "blue": {"zh": "蓝", "en": "blue"},
    "completed": {"zh": "完成", "en": "done"},
    "cancelled": {"zh": "取消", "en": "cancelled"},
    "stale": {"zh": "未报告", "en": "no report"},
    "no_plan": {"zh": "无计划", "en": "no plan"},
}

PRECISION = {
    "site": {"zh": "地点(精确)", "en": "site (exact)"},
    "manual": {"zh": "手动定位", "en": "set by hand"},
    "town": {"zh": "镇/园区级(近似)", "en": "town or zone (approximate)"},
    "county": {"zh": "县级(近似)", "en": "county (approximate)"},
    "city": {"zh": "全市", "en": "city-wide"},
    "approximate": {"zh": "线/面(近似)", "en": "line or area (approximate)"},
    "outside": {"zh": "济宁市外", "en": "outside Jining"},
    "unresolved": {"zh": "未定位", "en": "not located"},
}

PRECISION_HELP = {
    "zh": (
        "- **地点(精确)**:有公开坐标(维基百科、GeoNames 等)。\n"
        "- **镇/园区级**:只知道所在镇或园区,或有公开的相对位置(如“县城西2公里”)。\n"
        "- **县级**:只知道所在县,点位为县城,精度半径覆盖全县。\n"
        "- **线/面(近似)**:按来源说明构造的示意线或示意范围。\n"
        "- 精度(米):真实位置距图上位置的最大距离。"
    ),
    "en": (
        "- **site (exact)**: a published coordinate (Wikipedia, GeoNames …).\n"
        "- **town or zone**: only the town or zone is known, or a published relative position (“2 km west of the county town”).\n"
        "- **county**: only the county is known; the point is the county seat and the radius covers the county.\n"
        "- **line or area (approximate)**: a schematic built as its source says.\n"
        "- precision (m): the largest distance between the true and the drawn location."
    ),
}

KIND = {
    "site": {"zh": "地点", "en": "site"},
    "event": {"zh": "活动", "en": "event"},
    "road": {"zh": "道路", "en": "road"},
    "bridge": {"zh": "桥梁", "en": "bridge"},
    "railway": {"zh": "铁路", "en": "railway"},
    "highway": {"zh": "高速公路", "en": "expressway"},
    "waterway": {"zh": "航道", "en": "waterway"},
    "belt": {"zh": "带", "en": "belt"},
    "area": {"zh": "片区", "en": "area"},
    "zone": {"zh": "园区/平台", "en": "zone or platform"},
    "programme": {"zh": "工作/计划", "en": "programme"},
    "reform": {"zh": "改革", "en": "reform"},
}

FORM = {
    "point": {"zh": "点", "en": "point"},
    "line": {"zh": "线", "en": "line"},
    "area": {"zh": "面", "en": "area"},
    "county": {"zh": "县域", "en": "county-wide"},
    "city": {"zh": "全市", "en": "city-wide"},
    "outside": {"zh": "市外", "en": "outside Jining"},
}

COLUMNS = {
    "id": {"zh": "编号", "en": "ID"},
    "action": {"zh": "所属行动", "en": "Action"},
    "title": {"zh": "措施", "en": "Measure"},
    "kind": {"zh": "类型", "en": "Kind"},
    "form": {"zh": "空间形态", "en": "Form"},
    "place": {"zh": "地点", "en": "Place"},
    "target": {"zh": "目标", "en": "Target"},
    "precision": {"zh": "位置精度", "en": "Precision"},
    "precision_m": {"zh": "精度(米)", "en": "Precision (m)"},
    "counties": {"zh": "涉及县市区", "en": "Districts"},
    "source": {"zh": "位置来源", "en": "Location source"},
    "changed": {"zh": "修改", "en": "Changed"},
}

#: The register's target units. A counter (个, 条) has no English word of its own: the English
#: title names what is counted ("35 major projects"), so English shows the number alone. A
#: unit not listed here (an imported row's) is shown as written.
TARGET_UNITS = {
    "个": {"zh": "个", "en": ""},
    "条": {"zh": "条", "en": ""},
    "条工作线": {"zh": "条工作线", "en": "work lines"},
}

#: The coordinate systems a planner picks from, named as their pickers and devices name them.
SYSTEM_LABELS = {
    "wgs84": {"zh": "WGS-84(GPS、奥维、谷歌地球)", "en": "WGS-84 (GPS, Google Earth)"},
    "gcj02": {"zh": "GCJ-02(高德、腾讯坐标拾取)", "en": "GCJ-02 (AMap, Tencent pickers)"},
    "bd09": {"zh": "BD-09(百度坐标拾取)", "en": "BD-09 (Baidu picker)"},
    "cgcs2000": {"zh": "CGCS2000 经纬度", "en": "CGCS2000 geographic"},
    "epsg:4548": {
        "zh": "CGCS2000 高斯-克吕格 3度带 117°E(EPSG:4548)",
        "en": "CGCS2000 3° Gauss-Krüger 117°E (EPSG:4548)",
    },
    "epsg:4527": {"zh": "同上,带号39前缀(EPSG:4527)", "en": "same, zone prefix 39 (EPSG:4527)"},
}

#: What a change in the history did, and where a changed record comes from.
CHANGE_WORDS = {
    "import": {"zh": "导入", "en": "import"},
    "manual": {"zh": "人工更正", "en": "corrected by hand"},
    "register": {"zh": "登记表", "en": "register"},
    "set_location": {"zh": "更正位置", "en": "location corrected"},
    "undo": {"zh": "撤销", "en": "undo"},
}

GEOMETRY_WORDS = {
    "Point": {"zh": "点", "en": "point"},
    "LineString": {"zh": "线", "en": "line"},
    "MultiLineString": {"zh": "多段线", "en": "lines"},
    "Polygon": {"zh": "面", "en": "area"},
    "MultiPolygon": {"zh": "多个面", "en": "areas"},
}


def t(key: str, lang: str, **values):
    """The UI text ``key`` in ``lang``, with ``values`` filled into its {placeholders}."""
    text = TEXT[key][lang]
    return text.format(**values) if values else text


#: Jining's clock: China Standard Time, UTC+8, with no daylight saving since 1991, so a
#: fixed offset is exact for every date the app shows (and needs no time-zone database).
LOCAL_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def local_time(stamp) -> str:
    """A stored ISO time (any offset) as Jining reads it: ``2026-12-05 14:03``; text that is
    not a time is returned as it is, and an empty value as ""."""
    if not stamp or not isinstance(stamp, str):
        return ""
    if "T" not in stamp and " " not in stamp.strip():  # a date alone stays a date
        return stamp
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


#: Leaflet.draw's words (L.drawLocal's shape), for the edit tab's draw map. Only the tools the
#: map offers (line, area, point) and the edit and delete toolbars.
DRAW_WORDS = {
    "zh": {
        "draw": {
            "toolbar": {
                "actions": {"title": "取消绘制", "text": "取消"},
                "finish": {"title": "完成绘制", "text": "完成"},
                "undo": {"title": "删除最后一个点", "text": "删除最后一点"},
                "buttons": {"polyline": "画线", "polygon": "画面", "marker": "标点"},
            },
            "handlers": {
                "marker": {"tooltip": {"start": "在地图上点击放置点。"}},
                "polyline": {
                    "error": "<strong>错误:</strong>线段不能自相交!",
                    "tooltip": {"start": "点击开始画线。", "cont": "点击继续画线。", "end": "点击最后一点结束。"},
                },
                "polygon": {
                    "tooltip": {"start": "点击开始画面。", "cont": "点击继续画面。", "end": "点击第一个点闭合。"}
                },
            },
        },
        "edit": {
            "toolbar": {
                "actions": {
                    "save": {"title": "保存修改", "text": "保存"},
                    "cancel": {"title": "取消修改", "text": "取消"},
                    "clearAll": {"title": "清除全部", "text": "清除全部"},
                },
                "buttons": {
                    "edit": "编辑节点",
                    "editDisabled": "没有可编辑的图形",
                    "remove": "删除图形",
                    "removeDisabled": "没有可删除的图形",
                },
            },
            "handlers": {
                "edit": {"tooltip": {"text": "拖动节点或点标记进行编辑。", "subtext": "点击“取消”撤销修改。"}},
                "remove": {"tooltip": {"text": "点击要删除的图形。"}},
            },
        },
    },
    "en": {
        "draw": {
            "toolbar": {
                "actions": {"title": "Cancel drawing", "text": "Cancel"},
                "finish": {"title": "Finish drawing", "text": "Finish"},
                "undo": {"title": "Delete the last point", "text": "Delete last point"},
                "buttons": {"polyline": "Draw a line", "polygon": "Draw an area", "marker": "Place a point"},
            },
            "handlers": {
                "marker": {"tooltip": {"start": "Click the map to place a point."}},
                "polyline": {
                    "error": "<strong>Error:</strong> a line cannot cross itself.",
                    "tooltip": {
                        "start": "Click to start a line.",
                        "cont": "Click to continue the line.",
                        "end": "Click the last point to finish.",
                    },
                },
                "polygon": {
                    "tooltip": {
                        "start": "Click to start an area.",
                        "cont": "Click to continue the area.",
                        "end": "Click the first point to close it.",
                    }
                },
            },
        },
        "edit": {
            "toolbar": {
                "actions": {
                    "save": {"title": "Keep the changes", "text": "Keep"},
                    "cancel": {"title": "Cancel the changes", "text": "Cancel"},
                    "clearAll": {"title": "Clear everything", "text": "Clear all"},
                },
                "buttons": {
                    "edit": "Edit vertices",
                    "editDisabled": "Nothing to edit",
                    "remove": "Delete a shape",
                    "removeDisabled": "Nothing to delete",
                },
            },
            "handlers": {
                "edit": {
                    "tooltip": {"text": "Drag a vertex or a marker to edit it.", "subtext": "Click Cancel to undo."}
                },
                "remove": {"tooltip": {"text": "Click a shape to delete it."}},
            },
        },
    },
}

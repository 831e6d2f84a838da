# Gongshu (拱墅区, 330105) eligibility, 二(一)2-3 of 关于推行新型居住证制度的通知（征求意见稿）
# (policy text 003_7477c59a98b1b6f9), written in Rego for the benchmark's
# policy-engine comparison. A port of plugins/hangzhou-gongshu/src/eligibility,
# rule by rule: the same outcome, route statuses, missing materials, reason
# codes and citations. It builds no bilingual message texts (juzhu does), and
# does not re-run the SDK's input validation (dates, ID check digit), which
# juzhu runs before any rule: both make this side's work smaller, not larger.
#
# Input: {"application": <juzhu_sdk::types::Application as serde JSON>,
#         "legal_date": "YYYY-MM-DD"}.
# Output (data.gongshu.result): {"error": {"field": ...}} for a request the
# module refuses, otherwise {"decision": {outcome, tier, reasons, routes, missing}}
# shaped like juzhu's Decision without the message texts.
#
# Dates are compared as integers YYYYMMDD and months as y*12+m-1; calendar
# arithmetic (months clamped to a shorter month's end, as juzhu's date module
# does, unlike Go's time.AddDate) is done here in integers.
package gongshu

import rego.v1

doc := "003_7477c59a98b1b6f9"

# Clause labels (plugins/hangzhou-gongshu/src/clauses.rs).
registration := "二(一)1"

conditions := "二(一)2"

employment := "二(一)2(1)"

residence := "二(一)2(2)"

schooling := "二(一)2(3)"

talent := "二(一)2末段"

application := "二(一)3"

duties := "三(二)"

rental_check := "三(三)"

annex_1 := "附件1"

# 杭州市区 as configured (config.rs URBAN_DISTRICTS): not a figure of the text.
urban := {"330102", "330103", "330104", "330105", "330106", "330108", "330109", "330110", "330111"}

in_area(code) if urban[code]

raw := input.application

# What was on record on the legal date (sdk/src/as_of.rs): registrations,
# address changes, insurance periods, jobs and enrolments that began after it
# are removed before any rule runs. A legal date that cannot be read leaves the
# facts as given, for the input checks to refuse.
app := as_of if {
	as_of := object.union(raw, {
		"registrations": [object.union(r, {"changes": [c | some c in object.get(r, "changes", []); dk(c.moved_on) <= on]}) |
			some r in raw.registrations
			dk(r.registered_on) <= on
		],
		"insurance": [p | some p in raw.insurance; mk(p.from) <= month_of(on)],
		"employment": [e | some e in raw.employment; dk(e.started_on) <= on],
		"schooling": [s | some s in raw.schooling; dk(s.enrolled_on) <= on],
	})
} else := raw

# ---------------------------------------------------------------- dates

dk(s) := to_number(replace(s, "-", ""))

opt_dk(s) := null if s == null

else := dk(s)

y_of(k) := floor(k / 10000)

m_of(k) := floor(k / 100) % 100

d_of(k) := k % 100

# A month "YYYY-MM" as y*12+m-1.
mk(s) := (floor(v / 100) * 12 + v % 100) - 1 if v := to_number(replace(s, "-", ""))

month_of(k) := (y_of(k) * 12 + m_of(k)) - 1

leap(y) if {
	y % 4 == 0
	y % 100 != 0
}

leap(y) if y % 400 == 0

dim(y, m) := 29 if {
	m == 2
	leap(y)
}

dim(y, m) := 28 if {
	m == 2
	not leap(y)
}

dim(y, m) := 30 if m in {4, 6, 9, 11}

dim(y, m) := 31 if m in {1, 3, 5, 7, 8, 10, 12}

# date.rs add_months: clamped to the end of a shorter month.
add_months(k, n) := ((y2 * 10000) + m2 * 100) + min([d_of(k), dim(y2, m2)]) if {
	t := ((y_of(k) * 12 + m_of(k)) - 1) + n
	y2 := floor(t / 12)
	m2 := (t - y2 * 12) + 1
}

# date.rs months_completed, as a value.
completed(start, on, n) := true if add_months(start, n) <= on

else := false

next_day(k) := k + 1 if d_of(k) < dim(y_of(k), m_of(k))

else := ((y_of(k) * 10000) + (m_of(k) + 1) * 100) + 1 if m_of(k) < 12

else := (y_of(k) + 1) * 10000 + 101

prev_day(k) := k - 1 if d_of(k) > 1

else := ((y_of(k) * 10000) + (m_of(k) - 1) * 100) + dim(y_of(k), m_of(k) - 1) if m_of(k) > 1

else := (y_of(k) - 1) * 10000 + 1231

# Days since 1970-01-01 (H. Hinnant's days_from_civil), for day deadlines.
days(k) := ((((era * 146097 + yoe * 365) + floor(yoe / 4)) - floor(yoe / 100)) + doy) - 719468 if {
	m := m_of(k)
	y := y_of(k) - early(m)
	era := floor(y / 400)
	yoe := y - era * 400
	doy := (floor((153 * (m + shift(m)) + 2) / 5) + d_of(k)) - 1
}

early(m) := 1 if m <= 2

else := 0

shift(m) := -3 if m > 2

else := 9

on := dk(input.legal_date)

on_month := month_of(on)

# ---------------------------------------------------------------- reasons

reason(clause, code) := {"code": code, "citation": {"document": doc, "clause": clause}}

suffix(f) := "met" if f == true

suffix(f) := "not-met" if f == false

suffix(f) := "unknown" if f == null

# A condition: fact true (met), false (not met) or null (unknown).
cond(fact, clause, topic) := {"fact": fact, "reason": reason(clause, concat(".", [topic, suffix(fact)]))}

truth(b) := true if b == true

else := false

# Tally.met: false once a condition fails, else null while one is unknown.
tally(cs) := false if {
	some c in cs
	c.fact == false
}

else := null if {
	some c in cs
	c.fact == null
}

else := true

status(cs, missing) := "NotMet" if tally(cs) == false

else := "Met" if {
	tally(cs) == true
	count(missing) == 0
}

else := "Incomplete"

# ---------------------------------------------------------------- materials (evidence.rs)

held := {m.kind | some m in app.materials}

material_code := {
	"IdCard": "id-card",
	"Photo": "photo",
	"ApplicationForm": "application-form",
	"ResidenceRegistration": "residence-registration",
	"LabourContract": "labour-contract",
	"EmploymentRegistration": "employment-registration",
	"InsuranceCertificate": "insurance-certificate",
	"BusinessLicence": "business-licence",
	"IndividualBusinessLicence": "individual-business-licence",
	"AgriculturalContract": "agricultural-contract",
	"FisheryLicence": "fishery-licence",
	"FisheryContract": "fishery-contract",
	"SelfEmploymentProof": "self-employment-proof",
	"PropertyCertificate": "property-certificate",
	"HomesteadCertificate": "homestead-certificate",
	"KinshipProof": "kinship-proof",
	"DormitoryCertificate": "dormitory-certificate",
	"LeaseContract": "lease-contract",
	"RentalRegistration": "rental-registration",
	"RentalFiling": "rental-filing",
	"RentalSafetyCheck": "rental-safety-check",
	"EnrolmentCertificate": "enrolment-certificate",
	"GuardianPermits": "guardian-permits",
	"GuardianInsuranceCertificate": "guardian-insurance-certificate",
	"TalentCertificate": "talent-certificate",
	"InvestmentProof": "investment-proof",
	"EmploymentStatusCertificate": "employment-status-certificate",
	"TemporaryPermit": "temporary-permit",
}

# Evidence::missing: needs is a list of [material, clause].
missing_of(route, needs) := [m |
	some need in needs
	not held[need[0]]
	m := {
		"material": need[0],
		"route": route,
		"reason": reason(need[1], concat("", ["material.missing.", material_code[need[0]]])),
	}
]

# ---------------------------------------------------------------- insurance streak

# Months in 杭州市区 that count: back-paid (补缴) months do not; work-injury-only
# months do (eligibility/mod.rs INSURANCE).
qualifying(periods) := [[mk(p.from), mk(p.to)] |
	some p in periods
	in_area(p.division)
	p.back_paid == false
]

covered(q, m) if {
	some iv in q
	iv[0] <= m
	m <= iv[1]
}

# Consecutive qualifying months ending in the month of the legal date.
streak(periods) := (on_month - s0) + 1 if {
	q := qualifying(periods)
	covered(q, on_month)
	s0 := max({s |
		some iv in q
		s := iv[0]
		s <= on_month
		not covered(q, s - 1)
	})
} else := 0

# ---------------------------------------------------------------- six months of residence (period.rs, framework.rs residence_run)

# framework::change_in_time with the 10-day deadline of 二(一)1: computed from
# the dates; a report after the legal date had not been made on it (late once
# the ten days have passed by then); no report date: not known.
in_time(c) := truth(days(dk(c.reported_on)) <= days(dk(c.moved_on)) + 10) if {
	c.reported_on != null
	dk(c.reported_on) <= on
}

in_time(c) := truth(days(on) <= days(dk(c.moved_on)) + 10) if {
	c.reported_on != null
	dk(c.reported_on) > on
}

in_time(c) := null if c.reported_on == null

late(c, _) if in_time(c) == false

late(c, unknown_is_late) if {
	unknown_is_late
	in_time(c) == null
}

breaks(c, _) if not in_area(c.division)

breaks(c, unknown_is_late) if late(c, unknown_is_late)

# Changes sorted by move date, stable.
sorted_changes(r) := [r.changes[key % 1000] | some key in sort([k |
	some i, c in r.changes
	k := dk(c.moved_on) * 1000 + i
])]

# The stretch state before change k is closed only after a move out of the area
# (or, before the first change, when the registration is outside it).
closed_before(r, _, 0) if not in_area(r.division)

closed_before(_, ch, k) if {
	k > 0
	not in_area(ch[k - 1].division)
}

late_start(c) := dk(c.reported_on) if c.reported_on != null

else := dk(c.moved_on)

# Where a stretch opens: the registration itself, a late move (restarting), or
# a timely move after a move out of the area.
opens(r, ch, unknown_is_late) := array.concat(
	[o | in_area(r.division); o := {"p": -1, "s": dk(r.registered_on), "rs": false}],
	[o |
		some k, c in ch
		in_area(c.division)
		o := open_at(r, ch, k, c, unknown_is_late)
	],
)

open_at(_, _, k, c, unknown_is_late) := {"p": k, "s": late_start(c), "rs": true} if late(c, unknown_is_late)

open_at(r, ch, k, c, unknown_is_late) := {"p": k, "s": dk(c.moved_on), "rs": false} if {
	not late(c, unknown_is_late)
	closed_before(r, ch, k)
}

# A stretch opened at p closes the day before the next break, or when the registration ends.
close_of(r, ch, p, unknown_is_late) := prev_day(dk(ch[ks[0]].moved_on)) if {
	ks := [k |
		some k, c in ch
		k > p
		breaks(c, unknown_is_late)
	]
	count(ks) > 0
} else := opt_dk(r.ended_on)

stretches(unknown_is_late) := [st |
	some ri, r in app.registrations
	ch := sorted_changes(r)
	some o in opens(r, ch, unknown_is_late)
	o.s <= on
	st := {"key": (o.s * 1000000 + ri * 1000) + (o.p + 1), "s": o.s, "e": close_of(r, ch, o.p, unknown_is_late), "rs": o.rs}
]

sorted_stretches(unknown_is_late) := [by_key[k] | some k in sort([key | some key, _ in by_key])] if {
	by_key := {st.key: st | some st in stretches(unknown_is_late)}
}

# The latest end of stretches a..b (null: open-ended).
max_end(s, a, b) := null if {
	some j, st in s
	j >= a
	j <= b
	st.e == null
} else := max({st.e |
	some j, st in s
	j >= a
	j <= b
})

# Joining stretches that touch, walking forwards: a restarted stretch always
# begins a run; otherwise a stretch begins one when it starts after the day
# following the latest end before it since the last restart.
begins_run(_, p, j) if j == p

begins_run(s, p, j) if {
	j > p
	e := max_end(s, p, j - 1)
	e != null
	s[j].s > next_day(e)
}

run_start(unknown_is_late) := s[r].s if {
	s := sorted_stretches(unknown_is_late)
	last := count(s) - 1
	last >= 0
	p := max({j | some j, st in s; st.rs} | {0})
	r := max({j | some j in numbers.range(p, last); begins_run(s, p, j)})
	open_or_covering(max_end(s, r, last))
}

open_or_covering(e) if e == null

open_or_covering(e) if {
	e != null
	e >= on
}

six_months(unknown_is_late) if add_months(run_start(unknown_is_late), 6) <= on

# ResidenceRun::judge: shown (unknown taken as late) met, else at best met (unknown), else not met.
period := cond(true, conditions, "residence-period.six-months") if six_months(true)

else := cond(null, registration, "residence-period.six-months") if six_months(false)

else := cond(false, conditions, "residence-period.six-months")

# ---------------------------------------------------------------- 二(一)3: under 16 (minor.rs)

birth := dk(app.identity.birth_date) if app.identity.birth_date != null

else := to_number(substring(app.identity.citizen_id, 6, 8))

guardians := app.guardians

# Under 16: the code names the condition that holds (contract 1.1), without a suffix.
minor_conds contains {"fact": true, "reason": reason(application, "age.under-16")} if not adult

# 16 or older: recorded as a met condition with the code "age.16-or-over" (contract 1.1: a code names what is true).
minor_conds contains {"fact": true, "reason": reason(application, "age.16-or-over")} if adult

adult if add_months(birth, 192) <= on

minor_conds contains cond(truth(count(guardians) > 0), application, "minor.guardians-listed") if not adult

minor_conds contains c if {
	not adult
	count(guardians) > 0
	some c in minor_more
}

# The both-parents reason is recorded met or unknown, never not met.
minor_more contains cond(true, application, "minor.both-parents") if count(guardians) >= 2

minor_more contains cond(null, application, "minor.both-parents") if count(guardians) < 2

minor_more contains cond(guardian_permits, application, "minor.guardian-permits")

guardian_permits := false if {
	some g in guardians
	g.holds_permit == false
} else := null if {
	some g in guardians
	g.holds_permit == null
} else := true

minor_more contains cond(truth(count(short) == 0), application, "minor.guardian-insurance") if {
	short := [g | some g in guardians; streak(g.insurance) < 12]
}

minor_needs := [["GuardianPermits", application], ["GuardianInsuranceCertificate", application]] if {
	not adult
	count(guardians) > 0
} else := []

# ---------------------------------------------------------------- 二(一)2(1): employment (employment.rs)

proof := {
	"LabourContract": "LabourContract",
	"Enterprise": "BusinessLicence",
	"IndividualBusiness": "IndividualBusinessLicence",
	"AgriculturalLease": "AgriculturalContract",
	"PrivateNonEnterprise": "BusinessLicence",
	"LicensedPractice": "BusinessLicence",
	"FisheryLicence": "FisheryLicence",
	"FisheryContract": "FisheryContract",
	"OtherSelfEmployment": "SelfEmploymentProof",
}

emp_streak := streak(app.insurance)

emp_area := [i | some i, e in app.employment; in_area(e.division)]

# Work in the month of application, begun by the legal date.
in_month(e) if {
	dk(e.started_on) <= on
	e.ended_on == null
}

in_month(e) if {
	dk(e.started_on) <= on
	e.ended_on != null
	month_of(dk(e.ended_on)) >= on_month
}

emp_current := [i | some i in emp_area; in_month(app.employment[i])]

worked_until(e) := next_day(dk(e.ended_on)) if {
	e.ended_on != null
	dk(e.ended_on) < on
} else := on

emp_qualifying := [i |
	some i in emp_current
	e := app.employment[i]
	add_months(dk(e.started_on), 12) <= worked_until(e)
]

emp_with_proof := [i | some i in emp_qualifying; held[proof[app.employment[i].kind]]]

emp_chosen := emp_with_proof[0] if count(emp_with_proof) > 0

else := emp_qualifying[0] if count(emp_qualifying) > 0

emp_conds contains cond(truth(emp_streak > 0), employment, "employment.insured-in-application-month")

emp_conds contains cond(truth(emp_streak >= 12), employment, "employment.insurance-12-months")

emp_conds contains cond(truth(count(emp_area) > 0), employment, "employment.activity-in-urban-area")

emp_conds contains cond(truth(count(emp_current) > 0), employment, "employment.employed-in-application-month") if {
	count(emp_area) > 0
}

emp_conds contains cond(true, employment, "employment.activity-12-months") if {
	count(emp_current) > 0
	emp_chosen
}

emp_conds contains cond(false, employment, "employment.activity-12-months") if {
	count(emp_current) > 0
	not emp_chosen
}

emp_needs := array.concat([["InsuranceCertificate", employment]], chosen_need)

chosen_need := [[proof[app.employment[emp_chosen].kind], employment]] if emp_chosen

else := []

emp_missing := missing_of("Employment", emp_needs) if tally(emp_conds) == true

else := []

# ---------------------------------------------------------------- 二(一)2(2): residence (residence.rs, rental.rs)

homes_area := [i | some i, h in app.housing; in_area(h.division)]

# One home: its conditions (as a list, in order) and the materials it calls for.
home(h) := {"conds": array.concat([cond(true, residence, "residence.home-in-urban-area")], hk[0]), "needs": hk[1]} if {
	hk := home_kind(h)
}

home_kind(h) := [[cond(true, residence, "residence.own-home")], [["PropertyCertificate", residence]]] if h.kind == "Owned"

home_kind(h) := [[cond(null, residence, "rental.details")], []] if {
	h.kind == "Rented"
	h.rental == null
}

home_kind(h) := [rental_conds(h.rental), rental_needs(h.rental)] if {
	h.kind == "Rented"
	h.rental != null
}

home_kind(h) := [[cond(false, residence, "residence.housing-kind")], []] if not h.kind in {"Owned", "Rented"}

title_fact(r) := true if r.title in {"Ownership", "Homestead"}

else := false if r.title == "None"

else := null

collective(r) := true if r.title == "Homestead"

else := false if r.commercial_housing == true

else := null

# An item the checklist may leave unrecorded (null): its negation stays null.
not_set(v) := null if v == null

else := v == false

# 附件1 items and the 附件5 structural check of 三(二); an unrecorded item is
# unknown, never met.
safety_items(s, coll) := array.concat(
	[
		cond(not_set(s.non_residential_space), annex_1, "rental.non-residential-space"),
		cond(not_set(s.partitioned), annex_1, "rental.partitioned"),
		cond(per_room(s), annex_1, "rental.occupants-per-room"),
		cond(area_ok(s), annex_1, "rental.area-per-person"),
		cond(s.safety_kit_complete, annex_1, "rental.safety-kit"),
		cond(not_set(s.other_serious_hazard), annex_1, "rental.other-serious-hazard"),
	],
	structural(s, coll),
)

# "单间居住人数超过2人（法定赡养、抚养、扶养义务关系除外）", counted by person.
per_room(s) := true if count(s.occupants) <= 2

else := false if {
	some o in s.occupants
	o.duty_of_support == false
}

else := null if {
	some o in s.occupants
	o.duty_of_support == null
}

else := true

area_ok(s) := null if s.living_area_m2 == null

else := s.living_area_m2 >= 4 * max([count(s.occupants), 1])

structural(s, coll) := [cond(not_set(s.structural_hazard), duties, "rental.structural-hazard")] if coll == true

else := [] if coll == false

else := [cond(true, duties, "rental.structural-hazard")] if s.structural_hazard == false

else := [cond(null, duties, "rental.collective-land")] if s.structural_hazard == true

else := [cond(null, duties, "rental.structural-hazard")]

compliant(r, items) := r.compliant if r.safety == null

else := truth(r.compliant != false) if tally(items) == true

else := false if tally(items) == false

else := false if r.compliant == false

else := null

lease(r) := completed(dk(r.lease_start), next_day(dk(r.lease_end)), 12) if {
	r.lease_start != null
	r.lease_end != null
} else := null

filing(r) := true if r.commercial_housing == false

else := r.housing_filing if r.commercial_housing == true

else := true if r.housing_filing == true

else := null

rental_conds(r) := array.concat(
	array.concat([cond(title_fact(r), residence, "rental.title-certificate")], items),
	[
		cond(compliant(r, items), residence, "rental.rule-287"),
		cond(r.police_registered, residence, "rental.police-registration"),
		cond(lease(r), residence, "rental.lease-one-year"),
		cond(filing(r), residence, "rental.housing-filing"),
	],
) if {
	items := safety_items_of(r)
}

safety_items_of(r) := [] if r.safety == null

else := safety_items(r.safety, collective(r))

rental_needs(r) := array.concat(
	array.concat(
		[["LeaseContract", residence], [title_material(r), residence], ["RentalRegistration", residence]],
		[n | r.commercial_housing != false; n := ["RentalFiling", residence]],
	),
	[["RentalSafetyCheck", rental_check]],
)

title_material(r) := "HomesteadCertificate" if r.title == "Homestead"

else := "PropertyCertificate"

# Home::rank: met beats unknown beats not met; with materials at hand beats without.
rank(hm) := 3 if {
	tally(hm.conds) == true
	every n in hm.needs {
		held[n[0]]
	}
} else := 2 if tally(hm.conds) == true

else := 1 if tally(hm.conds) == null

else := 0

home_list := [home(app.housing[i]) | some i in homes_area]

# max_by_key keeps the last of equal ranks.
best_home := home_list[b] if {
	ranks := [rank(hm) | some hm in home_list]
	top := max(ranks)
	b := max({j | some j, rk in ranks; rk == top})
}

res_conds := {c | some c in best_home.conds} if count(homes_area) > 0

else := {cond(false, residence, "residence.home-in-urban-area")}

res_missing := missing_of("Residence", best_home.needs) if {
	count(homes_area) > 0
	tally(best_home.conds) != false
} else := []

# ---------------------------------------------------------------- 二(一)2(3): schooling (schooling.rs)

runs_on(s) if {
	dk(s.enrolled_on) <= on
	s.left_on == null
}

runs_on(s) if {
	dk(s.enrolled_on) <= on
	s.left_on != null
	dk(s.left_on) >= on
}

runs(s) := true if runs_on(s)

else := false

# max_by_key (full time, enrolled on the legal date, earliest enrolment); the last of equals.
school_score(s) := ((2 * 100000000) * bit(s.full_time) + 100000000 * bit(runs(s))) + (99999999 - dk(s.enrolled_on))

bit(b) := 1 if b == true

else := 0

school_best := app.schooling[b] if {
	scores := {i: school_score(s) | some i, s in app.schooling; in_area(s.division)}
	count(scores) > 0
	top := max({v | some v in scores})
	b := max({i | some i, v in scores; v == top})
}

sch_conds := {
	cond(true, schooling, "schooling.enrolled-in-urban-area"),
	cond(truth(school_best.full_time), schooling, "schooling.full-time"),
	cond(truth(runs(school_best)), schooling, "schooling.enrolled-on-application-date"),
	cond(completed(dk(school_best.enrolled_on), on, 12), schooling, "schooling.one-year"),
} if school_best

else := {cond(false, schooling, "schooling.enrolled-in-urban-area")}

sch_missing := missing_of("Schooling", [["EnrolmentCertificate", schooling]]) if tally(sch_conds) == true

else := []

# ---------------------------------------------------------------- the talent-permit referral (talent.rs)

tal_conds := {{"fact": false, "reason": reason(talent, "exemption.talent-permit.referred")}} if {
	"TalentPermit" in app.special_statuses
} else := {{"fact": false, "reason": reason(talent, "exemption.talent-permit.not-met")}}

# ---------------------------------------------------------------- decide (framework.rs decide, mod.rs evaluate)

shared_conds := {period} | minor_conds

shared_missing := missing_of(null, array.concat(
	minor_needs,
	[["ApplicationForm", application], ["IdCard", application], ["Photo", application]],
))

route(kind, cs, missing) := {
	"route": kind,
	"tier": null,
	"status": st,
	"reasons": [c.reason | some c in cs],
	"missing": kept,
} if {
	st := status(cs, missing)
	kept := [m | st != "NotMet"; some m in missing]
}

routes := [
	route("Employment", emp_conds, emp_missing),
	route("Residence", res_conds, res_missing),
	route("Schooling", sch_conds, sch_missing),
	route("Exemption", tal_conds, []),
]

shared_state := tally(shared_conds)

shared_open if shared_state == null

shared_open if count(shared_missing) > 0

outcome := "Ineligible" if shared_state == false

else := "Eligible" if {
	some r in routes
	r.status == "Met"
	not shared_open
} else := "Incomplete" if {
	some r in routes
	r.status != "NotMet"
} else := "Ineligible"

# Every missing material once, from the shared conditions and each incomplete route.
all_missing := [m |
	outcome == "Incomplete"
	some m in array.concat(shared_missing, [x | some r in routes; r.status == "Incomplete"; some x in r.missing])
]

missing := [m |
	some i, m in all_missing
	not listed_before(i, m.material)
]

listed_before(i, material) if {
	some j, x in all_missing
	j < i
	x.material == material
}

closing := [reason(application, "application.conditions.not-met")] if outcome == "Ineligible"

else := [reason(application, "materials.complete.not-met")] if {
	outcome == "Incomplete"
	count(missing) > 0
} else := [reason(application, "materials.complete.met")] if outcome == "Eligible"

else := []

decision := {
	"outcome": outcome,
	"tier": tier,
	"reasons": array.concat([c.reason | some c in shared_conds], closing),
	"routes": routes,
	"missing": missing,
}

tier := "Standard" if outcome == "Eligible"

else := null

# ---------------------------------------------------------------- the module's own refusals (lib.rs)

# The SDK refuses a legal date outside 1949-10-01..2199-12-31 first, then a
# date outside the text's window (from 2017-01-01: contract 1.1's
# not-in-force, checked before any rule of the module); then the module
# refuses another jurisdiction.
error := {"field": "legal_date"} if {
	not on >= 19491001
} else := {"field": "legal_date"} if {
	not on <= 21991231
} else := {"field": "legal_date"} if {
	on < 20170101
} else := {"field": "application.jurisdiction"} if {
	app.jurisdiction != "330105"
}

result := {"error": error} if error

else := {"decision": decision}

//! Beyond the vectors: each Gongshu `evaluate` vector is mutated many times
//! (dates moved across their boundaries, facts turned unknown, divisions moved
//! out of 杭州市区, materials dropped, homes and jobs added) and the Rego
//! policy must still decide as the native module does. Deterministic: a fixed
//! seed, so a failure prints the same case every run.

use std::path::Path;

use juzhu_rego_gongshu::{RegoGongshu, View};
use juzhu_sdk::date::{YearMonth, add_days};
use juzhu_sdk::framework::date_of;
use juzhu_sdk::types::*;
use juzhu_sdk::vectors::{Call, load_dir};

/// SplitMix64: enough randomness for choosing mutations, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn coin(&mut self) -> bool {
        self.below(2) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a mut [T]) -> Option<&'a mut T> {
        if items.is_empty() {
            None
        } else {
            let i = self.below(items.len());
            Some(&mut items[i])
        }
    }
    fn tri(&mut self) -> Option<bool> {
        [Some(true), Some(false), None][self.below(3)]
    }
}

/// Day shifts that cross the rules' boundaries (a day, 10 days, a month, half a year, a year).
const SHIFTS: &[i32] = &[-1, 1, -10, 10, 11, -30, 31, -182, 183, -365, 366, 2, -2, 184, -184, 365, -366];

fn shift(rng: &mut Rng, date: &str) -> String {
    let days = if rng.below(4) == 0 { rng.below(1600) as i32 - 800 } else { SHIFTS[rng.below(SHIFTS.len())] };
    add_days(date_of(date), days).to_string()
}

fn shift_month(rng: &mut Rng, month: &str) -> String {
    let m = YearMonth::parse("", month).unwrap();
    m.plus([-1, 1, -12, 12, -13, 13, -6, 6][rng.below(8)]).to_string()
}

fn division(rng: &mut Rng) -> String {
    ["330105", "330106", "330122", "330110", "330127"][rng.below(5)].to_string()
}

const MATERIALS: &[MaterialKind] = &[
    MaterialKind::ApplicationForm,
    MaterialKind::IdCard,
    MaterialKind::Photo,
    MaterialKind::InsuranceCertificate,
    MaterialKind::LabourContract,
    MaterialKind::BusinessLicence,
    MaterialKind::SelfEmploymentProof,
    MaterialKind::PropertyCertificate,
    MaterialKind::HomesteadCertificate,
    MaterialKind::LeaseContract,
    MaterialKind::RentalRegistration,
    MaterialKind::RentalFiling,
    MaterialKind::RentalSafetyCheck,
    MaterialKind::EnrolmentCertificate,
    MaterialKind::GuardianPermits,
    MaterialKind::GuardianInsuranceCertificate,
];

fn mutate_rental(rng: &mut Rng, r: &mut Rental) {
    match rng.below(10) {
        0 => {
            r.title = [
                Some(TitleCertificate::Ownership),
                Some(TitleCertificate::Homestead),
                Some(TitleCertificate::None),
                None,
            ][rng.below(4)]
        }
        1 => r.police_registered = rng.tri(),
        2 => r.commercial_housing = rng.tri(),
        3 => r.housing_filing = rng.tri(),
        4 => r.compliant = rng.tri(),
        5 => r.lease_start = r.lease_start.as_deref().map(|d| shift(rng, d)).filter(|_| rng.below(5) != 0),
        6 => r.lease_end = r.lease_end.as_deref().map(|d| shift(rng, d)).filter(|_| rng.below(5) != 0),
        7 if r.safety.is_some() && rng.below(4) == 0 => r.safety = None,
        _ => {
            let s = r.safety.get_or_insert(RentalSafety {
                non_residential_space: Some(false),
                partitioned: Some(false),
                occupants: vec![Occupant { duty_of_support: Some(false) }; 2],
                living_area_m2: Some(12.0),
                safety_kit_complete: Some(true),
                other_serious_hazard: Some(false),
                structural_hazard: Some(false),
            });
            match rng.below(8) {
                0 => s.non_residential_space = rng.tri(),
                1 => s.partitioned = rng.tri(),
                2 => s.occupants = (0..rng.below(6)).map(|_| Occupant { duty_of_support: rng.tri() }).collect(),
                3 => s.occupants.iter_mut().for_each(|o| o.duty_of_support = rng.tri()),
                4 => {
                    s.living_area_m2 =
                        [None, Some(0.0), Some(3.9), Some(4.0), Some(7.99), Some(8.0), Some(12.0), Some(16.0)]
                            [rng.below(8)]
                }
                5 => s.safety_kit_complete = rng.tri(),
                6 => s.other_serious_hazard = rng.tri(),
                _ => s.structural_hazard = rng.tri(),
            }
        }
    }
}

fn mutate(rng: &mut Rng, app: &mut Application, legal_date: &mut String) {
    match rng.below(16) {
        0 => *legal_date = shift(rng, legal_date),
        1 => {
            if let Some(r) = rng.pick(&mut app.registrations) {
                match rng.below(3) {
                    0 => r.registered_on = shift(rng, &r.registered_on),
                    1 => r.ended_on = if rng.coin() { None } else { Some(shift(rng, legal_date)) },
                    _ => r.division = division(rng),
                }
            }
        }
        2 => {
            let on = legal_date.clone();
            if let Some(r) = rng.pick(&mut app.registrations) {
                if r.changes.is_empty() || rng.below(3) == 0 {
                    let moved = shift(rng, &on);
                    r.changes.push(AddressChange {
                        reported_on: Some(shift(rng, &moved)),
                        moved_on: moved,
                        division: division(rng),
                        address: "拱墅区某路2号".into(),
                    });
                } else if let Some(c) = rng.pick(&mut r.changes) {
                    match rng.below(4) {
                        0 => c.moved_on = shift(rng, &c.moved_on),
                        1 => c.reported_on = c.reported_on.as_deref().map(|d| shift(rng, d)),
                        2 => c.reported_on = None,
                        _ => c.division = division(rng),
                    }
                }
            }
        }
        3 | 4 => {
            if let Some(p) = rng.pick(&mut app.insurance) {
                match rng.below(5) {
                    0 => p.from = shift_month(rng, &p.from),
                    1 => p.to = shift_month(rng, &p.to),
                    2 => p.back_paid = rng.coin(),
                    3 => {
                        p.scope = if rng.coin() { InsuranceScope::Full } else { InsuranceScope::WorkInjuryOnly };
                    }
                    _ => p.division = division(rng),
                }
            }
            if rng.below(4) == 0 {
                let month = YearMonth::of(date_of(legal_date)).plus(-(rng.below(14) as i32)).to_string();
                app.insurance.push(InsurancePeriod {
                    from: month.clone(),
                    to: month,
                    division: division(rng),
                    scope: InsuranceScope::Full,
                    back_paid: rng.coin(),
                });
            }
        }
        5 | 6 => {
            if app.employment.is_empty() || rng.below(4) == 0 {
                app.employment.push(Employment {
                    kind: EmploymentKind::LabourContract,
                    division: "330105".into(),
                    started_on: shift(rng, legal_date),
                    ended_on: None,
                    contract_months: None,
                    registered: None,
                });
            }
            let on = legal_date.clone();
            if let Some(e) = rng.pick(&mut app.employment) {
                match rng.below(4) {
                    0 => e.started_on = shift(rng, &e.started_on),
                    1 => e.ended_on = if rng.coin() { None } else { Some(shift(rng, &on)) },
                    2 => {
                        use EmploymentKind::*;
                        e.kind = [
                            LabourContract,
                            Enterprise,
                            IndividualBusiness,
                            AgriculturalLease,
                            PrivateNonEnterprise,
                            LicensedPractice,
                            FisheryLicence,
                            FisheryContract,
                            OtherSelfEmployment,
                        ][rng.below(9)];
                    }
                    _ => e.division = division(rng),
                }
            }
        }
        7..=9 => {
            if app.housing.is_empty() || rng.below(5) == 0 {
                app.housing.push(Housing {
                    kind: HousingKind::Rented,
                    division: "330105".into(),
                    since: None,
                    rental: Some(Rental {
                        lease_start: Some("2016-06-01".into()),
                        lease_end: Some("2017-05-31".into()),
                        title: Some(TitleCertificate::Ownership),
                        police_registered: Some(true),
                        commercial_housing: Some(false),
                        housing_filing: None,
                        compliant: None,
                        safety: None,
                    }),
                });
            }
            if let Some(h) = rng.pick(&mut app.housing) {
                match rng.below(6) {
                    0 => {
                        use HousingKind::*;
                        h.kind = [Owned, RelativeOwned, CollectiveDormitory, SchoolDormitory, Rented][rng.below(5)];
                    }
                    1 => h.division = division(rng),
                    2 if h.rental.is_some() => h.rental = None,
                    _ => {
                        if let Some(r) = h.rental.as_mut() {
                            mutate_rental(rng, r);
                        }
                    }
                }
            }
        }
        10 => {
            if app.schooling.is_empty() || rng.below(4) == 0 {
                app.schooling.push(Schooling {
                    kind: SchoolKind::Higher,
                    division: "330105".into(),
                    enrolled_on: shift(rng, legal_date),
                    left_on: None,
                    full_time: true,
                });
            }
            let on = legal_date.clone();
            if let Some(s) = rng.pick(&mut app.schooling) {
                match rng.below(4) {
                    0 => s.enrolled_on = shift(rng, &s.enrolled_on),
                    1 => s.left_on = if rng.coin() { None } else { Some(shift(rng, &on)) },
                    2 => s.full_time = rng.coin(),
                    _ => s.division = division(rng),
                }
            }
        }
        11 => {
            // An applicant of about sixteen.
            let birth = add_days(date_of(legal_date), -(16 * 365 + 4) + SHIFTS[rng.below(SHIFTS.len())]);
            app.identity.birth_date = Some(birth.to_string());
        }
        12 => {
            if app.guardians.is_empty() || rng.below(3) == 0 {
                let insurance = app.insurance.clone();
                app.guardians.push(Guardian {
                    name: format!("监护人{}", app.guardians.len() + 1),
                    holds_permit: Some(true),
                    insurance,
                });
            }
            if let Some(g) = rng.pick(&mut app.guardians) {
                match rng.below(3) {
                    0 => g.holds_permit = rng.tri(),
                    1 => {
                        if let Some(p) = rng.pick(&mut g.insurance) {
                            p.from = shift_month(rng, &p.from);
                        }
                    }
                    _ => g.insurance.clear(),
                }
            }
        }
        13 => {
            if !app.materials.is_empty() {
                let i = rng.below(app.materials.len());
                app.materials.remove(i);
            }
        }
        14 => {
            let kind = MATERIALS[rng.below(MATERIALS.len())];
            app.materials.push(Material { kind, source: MaterialSource::OnFile });
        }
        _ => {
            if app.special_statuses.contains(&SpecialStatus::TalentPermit) {
                app.special_statuses.clear();
            } else {
                app.special_statuses.push(SpecialStatus::TalentPermit);
            }
        }
    }
}

fn sdk_validation_refuses(native: &juzhu_sdk::NativeModule, v: &juzhu_sdk::vectors::Vector) -> bool {
    matches!((native.evaluate)(v.facts.clone(), v.legal_date.clone()),
        Err(juzhu_sdk::types::Refusal::Input(e)) if e.field != "legal_date" && e.field != "application.jurisdiction")
}

#[test]
fn mutated_vectors_decide_the_same_in_rego_as_natively() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/hangzhou-gongshu/vectors");
    let vectors = load_dir(&dir).expect("Gongshu vectors load");
    let native = juzhu_plugin_hangzhou_gongshu::native();
    let mut rego = RegoGongshu::new().expect("policy parses");
    let mut rng = Rng(0x006A_757A_6875);
    let (mut compared, mut refused, mut mismatches) = (0, 0, Vec::new());
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for v in vectors.iter().filter(|v| v.call == Call::Evaluate) {
        // Facts the SDK refuses (impossible dates) cannot be moved by date arithmetic.
        if sdk_validation_refuses(&native, v) {
            continue;
        }
        for round in 0..40 {
            let (mut app, mut on) = (v.facts.clone(), v.legal_date.clone());
            for _ in 0..1 + rng.below(4) {
                mutate(&mut rng, &mut app, &mut on);
            }
            let expected = View::of_juzhu(&(native.evaluate)(app.clone(), on.clone())).unwrap();
            // The SDK's validation (not ported) refuses some mutants, e.g. a job ending before it starts.
            if let View::Error { field } = &expected
                && field != "legal_date"
                && field != "application.jurisdiction"
            {
                refused += 1;
                continue;
            }
            compared += 1;
            *outcomes.entry(expected.outcome().to_string()).or_default() += 1;
            match rego.decide(&app, &on) {
                Ok(actual) if actual == expected => {}
                Ok(actual) => mismatches.push(format!(
                    "{} round {round} (legal date {on}):\n  facts  {}\n  native {expected:?}\n  rego   {actual:?}",
                    v.id,
                    serde_json::to_string(&app).unwrap()
                )),
                Err(e) => mismatches.push(format!("{} round {round}: rego failed: {e:#}", v.id)),
            }
        }
    }
    println!("mutants: {compared} compared ({outcomes:?}), {refused} refused by SDK validation");
    assert!(
        mismatches.is_empty(),
        "{} mutants differ; first:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(3)].join("\n")
    );
    assert!(compared >= 2000, "only {compared} mutants compared");
    for outcome in ["Eligible", "Ineligible", "Incomplete", "error"] {
        assert!(outcomes.get(outcome).copied().unwrap_or(0) >= 50, "too few {outcome} mutants: {outcomes:?}");
    }
}

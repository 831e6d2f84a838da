//! 二(一)2(2) for a rented home: title, rule 287 (附件1 and the 附件5 structural check of 三(二)),
//! police registration, a lease of a year, and the housing authority's filing.

use juzhu_sdk::framework::date_of;
use juzhu_sdk::prelude::*;

use super::residence::Home;
use super::{Fact, said, suffix};
use crate::clauses::*;

/// 附件1 items (and the 附件5 structural check of 三(二)), the concrete content
/// of compliance with 市政府令第287号 that the text attaches.
///
/// `collective` is whether the house stands on collective land (a homestead
/// certificate says it does; commercial housing says it does not).
pub(super) fn rental_safety(home: &mut Home, s: &RentalSafety, collective: Fact) -> Fact {
    let mut all = true;
    let mut unknown = false;
    // One checklist item: met, not met, or not recorded (`None`: unknown,
    // which never meets it).
    let mut item = |home: &mut Home, clause: Clause, ok: Fact, topic: &str, zh: [&str; 3], en: [&str; 3]| {
        let i = match ok {
            Some(true) => 0,
            Some(false) => 1,
            None => 2,
        };
        all &= ok != Some(false);
        unknown |= ok.is_none();
        home.add(ok, clause.reason(&format!("rental.{topic}.{}", suffix(ok)), zh[i], en[i]));
    };
    item(
        home,
        ANNEX_1,
        s.non_residential_space.map(|v| !v),
        "non-residential-space",
        ["非利用非居住空间出租", "利用非居住空间出租", "排查表未记是否利用非居住空间出租"],
        [
            "not a non-residential space",
            "a non-residential space is let",
            "whether a non-residential space is let is not recorded",
        ],
    );
    item(
        home,
        ANNEX_1,
        s.partitioned.map(|v| !v),
        "partitioned",
        ["未分割搭建出租", "分割搭建出租", "排查表未记是否分割搭建出租"],
        ["not partitioned", "partitioned for letting", "whether the room is partitioned for letting is not recorded"],
    );
    // "单间居住人数超过2人（法定赡养、抚养、扶养义务关系除外）": counted by person;
    // the exception holds when every occupant is so bound, and is unknown
    // while any occupant's tie is unknown and none is known not to be.
    let count = s.occupants.len();
    let ties: Vec<Option<bool>> = s.occupants.iter().map(|o| o.duty_of_support).collect();
    let family = if ties.contains(&Some(false)) {
        Some(false)
    } else if ties.contains(&None) {
        None
    } else {
        Some(true)
    };
    let per_room = if count <= 2 { Some(true) } else { family };
    item(
        home,
        ANNEX_1,
        per_room,
        "occupants-per-room",
        [
            &if count > 2 {
                format!("单间居住{count}人，均为法定赡养、抚养、扶养义务关系，不受2人限制")
            } else {
                format!("单间居住{count}人，不超过2人")
            },
            &format!("单间居住{count}人，超过2人（且非均为法定赡养、抚养、扶养义务关系）"),
            &format!("单间居住{count}人，超过2人；是否均为法定赡养、抚养、扶养义务关系未说明"),
        ],
        [
            &if count > 2 {
                format!(
                    "{count} persons in the room, all bound by a legal duty of support: the limit of two does not apply"
                )
            } else {
                format!("{count} persons in the room: no more than two")
            },
            &format!("{count} persons in the room: more than two, not all bound by a legal duty of support"),
            &format!(
                "{count} persons in the room: more than two, and whether all are bound by a legal duty of support is not known"
            ),
        ],
    );
    // "人均居住面积少于4平方米": compare area with 4 m² times the occupants, so
    // that no division rounds the boundary (4.0 passes, 3.9 fails).
    let persons = u32::try_from(count.max(1)).unwrap_or(u32::MAX);
    let area = s.living_area_m2;
    let per = area.map(|a| a / f64::from(persons)).unwrap_or_default();
    item(
        home,
        ANNEX_1,
        area.map(|a| a >= 4.0 * f64::from(persons)),
        "area-per-person",
        [
            &format!("人均居住面积{per:.2}平方米，不少于4平方米"),
            &format!("人均居住面积{per:.2}平方米，少于4平方米"),
            "排查表未记居住面积，人均居住面积不明",
        ],
        [
            &format!("{per:.2} m² per person: at least 4 m²"),
            &format!("{per:.2} m² per person: less than 4 m²"),
            "the living area is not recorded, so the area per person is not known",
        ],
    );
    item(
        home,
        ANNEX_1,
        s.safety_kit_complete,
        "safety-kit",
        [
            "已按要求配备口罩、报警哨、手电筒和灭火器",
            "未按要求配备口罩、报警哨、手电筒和灭火器",
            "排查表未记是否配备口罩、报警哨、手电筒和灭火器",
        ],
        [
            "masks, whistle, torch and extinguisher provided",
            "masks, whistle, torch or extinguisher missing",
            "whether masks, whistle, torch and extinguisher are provided is not recorded",
        ],
    );
    item(
        home,
        ANNEX_1,
        s.other_serious_hazard.map(|v| !v),
        "other-serious-hazard",
        ["无其他严重治安、消防隐患", "有其他严重治安、消防隐患", "排查表未记有无其他严重治安、消防隐患"],
        [
            "no other serious security or fire hazard",
            "another serious security or fire hazard",
            "whether there is another serious security or fire hazard is not recorded",
        ],
    );
    // 三(二): streets check "集体土地上的出租房屋是否具有“违章建筑、危险房屋、改变房屋使用性质”
    // 等严重影响居住安全情形" (附件5). The check is for rentals on collective land only.
    let structural_zh = [
        "集体土地上的出租房屋，无违章建筑、危险房屋、改变房屋使用性质等严重影响居住安全情形（附件5）",
        "集体土地上的出租房屋，存在违章建筑、危险房屋或改变房屋使用性质等严重影响居住安全情形（附件5）",
        "集体土地上的出租房屋，排查表未记有无违章建筑、危险房屋、改变房屋使用性质等情形（附件5）",
    ];
    let structural_en = [
        "a rental on collective land with no illegal building, dangerous house or changed use (Annex 5)",
        "a rental on collective land that is an illegal building, a dangerous house or a house of changed use (Annex 5)",
        "a rental on collective land whose checklist does not record an illegal building, dangerous house or changed use (Annex 5)",
    ];
    match (collective, s.structural_hazard) {
        (Some(true), hazard) => {
            item(home, DUTIES, hazard.map(|v| !v), "structural-hazard", structural_zh, structural_en)
        }
        // Not collective land: 附件5 does not apply, and its item decides nothing.
        (Some(false), _) => {}
        (None, Some(false)) => item(
            home,
            DUTIES,
            Some(true),
            "structural-hazard",
            ["无违章建筑、危险房屋、改变房屋使用性质等严重影响居住安全情形", "", ""],
            ["no illegal building, dangerous house or changed use", "", ""],
        ),
        (None, Some(true)) => {
            unknown = true;
            home.add(
                None,
                DUTIES.reason(
                    "rental.collective-land.unknown",
                    "排查表记有违章建筑、危险房屋或改变房屋使用性质等情形，但未说明出租房屋是否在集体土地上；三(二)的排查确认（附件5）只适用于“集体土地上的出租房屋”",
                    "the checklist records an illegal building, dangerous house or changed use, but whether the house is on collective land is not known; the Annex 5 check of 三(二) applies only to \"rentals on collective land\"",
                ),
            );
        }
        // Neither the land nor the hazard known: whether 附件5 applies, and
        // what it would find, are both open.
        (None, None) => item(
            home,
            DUTIES,
            None,
            "structural-hazard",
            [
                "",
                "",
                "未说明出租房屋是否在集体土地上，排查表也未记有无违章建筑、危险房屋、改变房屋使用性质等情形（附件5）",
            ],
            [
                "",
                "",
                "neither whether the house is on collective land nor an illegal building, dangerous house or changed use is recorded (Annex 5)",
            ],
        ),
    }
    if !all {
        Some(false)
    } else if unknown {
        None
    } else {
        Some(true)
    }
}

/// A rented home under 二(一)2(2).
pub(super) fn rented_home(home: &mut Home, r: &Rental) {
    let title = match r.title {
        Some(TitleCertificate::Ownership) | Some(TitleCertificate::Homestead) => Some(true),
        Some(TitleCertificate::None) => Some(false),
        None => None,
    };
    home.add(
        title,
        said(
            RESIDENCE,
            "rental.title-certificate",
            title,
            [
                "出租房屋依法取得房屋所有权或宅基地使用权",
                "出租房屋未取得房屋所有权或宅基地使用权",
                "未说明出租房屋是否取得房屋所有权或宅基地使用权",
            ],
            [
                "the house has an ownership or homestead certificate",
                "the house has neither ownership nor homestead certificate",
                "whether the house has an ownership or homestead certificate is not known",
            ],
        ),
    );

    // Compliance with 市政府令第287号: the checklist when it was done, the
    // authority's finding otherwise (and a negative finding always counts).
    let compliant = match &r.safety {
        Some(s) => {
            let collective = match (r.title, r.commercial_housing) {
                (Some(TitleCertificate::Homestead), _) => Some(true),
                (_, Some(true)) => Some(false),
                _ => None,
            };
            match rental_safety(home, s, collective) {
                Some(true) => Some(r.compliant != Some(false)),
                Some(false) => Some(false),
                None if r.compliant == Some(false) => Some(false),
                None => None,
            }
        }
        None => r.compliant,
    };
    home.add(
        compliant,
        said(
            RESIDENCE,
            "rental.rule-287",
            compliant,
            [
                "出租房屋符合《杭州市居住房屋出租安全管理若干规定》（市政府令第287号）",
                "出租房屋不符合《杭州市居住房屋出租安全管理若干规定》（市政府令第287号）",
                "未查明出租房屋是否符合《杭州市居住房屋出租安全管理若干规定》（市政府令第287号）",
            ],
            [
                "the rental complies with Hangzhou Government Order 287",
                "the rental does not comply with Hangzhou Government Order 287",
                "compliance with Hangzhou Government Order 287 is not known",
            ],
        ),
    );

    home.add(
        r.police_registered,
        said(
            RESIDENCE,
            "rental.police-registration",
            r.police_registered,
            [
                "已在公安机关办理居住房屋出租登记",
                "未在公安机关办理居住房屋出租登记",
                "未说明是否已在公安机关办理居住房屋出租登记",
            ],
            [
                "rental registered with the police",
                "rental not registered with the police",
                "whether the rental is registered with the police is not known",
            ],
        ),
    );

    // "1年以上期限的房屋租赁合同": the lease end is its last day, so a lease from
    // 2017-01-01 to 2017-12-31 runs one year.
    let lease = match (r.lease_start.as_deref(), r.lease_end.as_deref()) {
        (Some(s), Some(e)) => Some(date::months_completed(date_of(s), date::add_days(date_of(e), 1), 12)),
        _ => None,
    };
    let term = match (&r.lease_start, &r.lease_end) {
        (Some(s), Some(e)) => format!("{s}至{e}"),
        _ => String::new(),
    };
    home.add(
        lease,
        said(
            RESIDENCE,
            "rental.lease-one-year",
            lease,
            [
                &format!("房屋租赁合同期限{term}，1年以上"),
                &format!("房屋租赁合同期限{term}，不满1年"),
                "房屋租赁合同起止日期不明",
            ],
            [
                &format!("lease {term}: one year or more"),
                &format!("lease {term}: less than one year"),
                "the lease dates are not known",
            ],
        ),
    );

    // Commercial housing also needs the housing authority's filing.
    let filing = match r.commercial_housing {
        Some(false) => Some(true),
        Some(true) => r.housing_filing,
        None => {
            if r.housing_filing == Some(true) {
                Some(true)
            } else {
                None
            }
        }
    };
    let filing_zh_met = if r.commercial_housing == Some(false) {
        "非商品房，无需房管部门的房屋租赁登记备案"
    } else {
        "已办理房管部门的房屋租赁登记备案"
    };
    let filing_en_met = if r.commercial_housing == Some(false) {
        "not commercial housing: no housing-authority filing needed"
    } else {
        "the lease is filed with the housing authority"
    };
    home.add(
        filing,
        said(
            RESIDENCE,
            "rental.housing-filing",
            filing,
            [filing_zh_met, "商品房未办理房管部门的房屋租赁登记备案", "未说明是否为商品房或是否已办理房屋租赁登记备案"],
            [
                filing_en_met,
                "commercial housing without the housing authority's lease filing",
                "whether the house is commercial housing, or its lease filed, is not known",
            ],
        ),
    );

    home.needs.push((MaterialKind::LeaseContract, RESIDENCE));
    home.needs.push((
        if r.title == Some(TitleCertificate::Homestead) {
            MaterialKind::HomesteadCertificate
        } else {
            MaterialKind::PropertyCertificate
        },
        RESIDENCE,
    ));
    home.needs.push((MaterialKind::RentalRegistration, RESIDENCE));
    // The filing's certificate is asked for wherever the filing carries the
    // condition: commercial housing, or housing not known not to be (an
    // unknown never spares the proof; found by the kit's unknown-is-not-true).
    if r.commercial_housing != Some(false) {
        home.needs.push((MaterialKind::RentalFiling, RESIDENCE));
    }
    home.needs.push((MaterialKind::RentalSafetyCheck, RENTAL_CHECK));
}

//! 二(一)2(2): stable residence — an own home or a compliant rented home.

use juzhu_sdk::evidence::Evidence;
use juzhu_sdk::prelude::*;

use super::rental::rented_home;
use super::{Fact, record};
use crate::clauses::*;
use crate::config::in_urban_area;

/// One home considered for 二(一)2(2).
pub(super) struct Home {
    pub(super) fact: Fact,
    pub(super) conditions: Vec<(Fact, Reason)>,
    pub(super) needs: Vec<(MaterialKind, Clause)>,
}

impl Home {
    pub(super) fn new() -> Self {
        Home { fact: Some(true), conditions: Vec::new(), needs: Vec::new() }
    }

    pub(super) fn add(&mut self, fact: Fact, reason: Reason) {
        self.fact = match (self.fact, fact) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (None, _) | (_, None) => None,
            _ => Some(true),
        };
        self.conditions.push((fact, reason));
    }

    /// Met beats unknown beats not met; with materials at hand beats without.
    pub(super) fn rank(&self, ev: Option<&Evidence>) -> u8 {
        let complete = ev.is_none_or(|ev| self.needs.iter().all(|(k, _)| ev.has(*k)));
        match self.fact {
            Some(true) if complete => 3,
            Some(true) => 2,
            None => 1,
            Some(false) => 0,
        }
    }
}

/// 二(一)2(2): an own home or a compliant rented home in 杭州市区.
pub(super) fn residence_route(app: &Application, ev: Option<&Evidence>) -> RouteBuilder {
    let mut b = RouteBuilder::new(RouteKind::Residence, None);
    let in_area: Vec<&Housing> = app.housing.iter().filter(|h| in_urban_area(&h.division)).collect();
    if in_area.is_empty() {
        b.condition(
            false,
            RESIDENCE.reason(
                "residence.home-in-urban-area.not-met",
                "在杭州市区无自购房屋或租赁房屋",
                "no own or rented home in the Hangzhou urban districts",
            ),
        );
        return b;
    }
    let homes: Vec<Home> = in_area
        .iter()
        .map(|h| {
            let mut home = Home::new();
            home.add(
                Some(true),
                RESIDENCE.reason(
                    "residence.home-in-urban-area.met",
                    "住所位于杭州市区",
                    "the home is in the Hangzhou urban districts",
                ),
            );
            match h.kind {
                HousingKind::Owned => {
                    home.add(
                        Some(true),
                        RESIDENCE.reason("residence.own-home.met", "居住在自购房屋", "lives in a home of their own"),
                    );
                    home.needs.push((MaterialKind::PropertyCertificate, RESIDENCE));
                }
                HousingKind::Rented => match &h.rental {
                    Some(r) => rented_home(&mut home, r),
                    None => home.add(
                        None,
                        RESIDENCE.reason(
                            "rental.details.unknown",
                            "租赁房屋的产权、出租登记、租赁合同等情况不明",
                            "the rented home's title, registration and lease are not known",
                        ),
                    ),
                },
                other => {
                    let what = match other {
                        HousingKind::RelativeOwned => "近亲属房屋",
                        HousingKind::CollectiveDormitory => "单位或园区集体宿舍",
                        _ => "学校宿舍",
                    };
                    home.add(
                        Some(false),
                        RESIDENCE.reason(
                            "residence.housing-kind.not-met",
                            &format!("{what}不属于本条规定的自购房屋或租赁他人房屋"),
                            "the text recognises only a home of one's own or a rented home",
                        ),
                    );
                }
            }
            home
        })
        .collect();
    let best = homes.into_iter().max_by_key(|h| h.rank(ev)).expect("not empty");
    for (fact, reason) in best.conditions {
        record(&mut b, fact, reason);
    }
    if let (Some(ev), true) = (ev, best.fact != Some(false)) {
        b.needs(ev.missing(Some(RouteKind::Residence), &best.needs));
    }
    b
}

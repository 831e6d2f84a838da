//! District configuration parameters: values the module needs but the text
//! does not fix.
//!
//! The text gives endorsement (签注) to the police (二(三), 三(一)) but sets no
//! cycle, no window, no consequence of being late and no way of counting
//! residence years (二(三) leaves 统一居住年限计算方法 to the police). An
//! endorsement answer still needs concrete dates, so the values below are the
//! district's configuration, dated and named, and every reason that uses them
//! says so. None of them is a figure of the text.

/// One dated configuration value.
#[derive(Clone, Copy, Debug)]
pub struct Parameter {
    /// Stable id, quoted in reasons.
    pub id: &'static str,
    /// The legal date from which the value applies.
    pub effective_from: &'static str,
    pub value: i32,
}

/// Months between endorsements: one endorsement per year of residence.
pub const ENDORSEMENT_CYCLE_MONTHS: Parameter =
    Parameter { id: "zhangzhou.endorsement.cycle-months", effective_from: "2016-12-01", value: 12 };

/// The endorsement window opens this many months before each due date and
/// closes on the due date itself.
pub const ENDORSEMENT_WINDOW_MONTHS: Parameter =
    Parameter { id: "zhangzhou.endorsement.window-months", effective_from: "2016-12-01", value: 1 };

/// 1: a permit not endorsed by its due date has its use suspended from the
/// next day until a late endorsement is made (no deadline for restoring).
pub const ENDORSEMENT_OVERDUE_SUSPENDS: Parameter =
    Parameter { id: "zhangzhou.endorsement.overdue-suspends", effective_from: "2016-12-01", value: 1 };

/// 1: a late endorsement restarts the count of residence years from its date.
pub const LATE_ENDORSEMENT_RESTARTS_COUNT: Parameter =
    Parameter { id: "zhangzhou.endorsement.late-restarts-count", effective_from: "2016-12-01", value: 1 };

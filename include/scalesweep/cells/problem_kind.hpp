// The problems a sweep solves, the order of their dimensions and of their output columns (the plan
// names them; backends and writers index by them).
#pragma once

namespace scalesweep {

// The problems, their dimension order (problems.cpp names them) and their column order.
enum class problem_kind { dense_loss, dense_cost, budget_curve, loss_target, budget };

namespace dense_loss_dims {
enum : int { N, D, rank };
}
namespace dense_cost_dims {
enum : int { hardware, T, N, D, rank };
}
namespace budget_curve_dims {
enum : int { hardware, T, budget, N, rank };
}
namespace loss_target_dims {
enum : int { hardware, T, loss_target, rank };
}
namespace budget_dims {
enum : int { hardware, T, budget, rank };
}

namespace budget_curve_columns {
enum : int { loss, D, count };
}
namespace loss_target_columns {
enum : int { N, D, cost, chinchilla_N, chinchilla_D, chinchilla_cost, count };
}
namespace budget_columns {
enum : int { N, D, loss, chinchilla_N, chinchilla_D, chinchilla_loss, count };
}

} // namespace scalesweep

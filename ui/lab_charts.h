#pragma once
// Qt Charts plots of a lab report (docs/LAB.md "Plots"), shared by the Lab window and `hogwild-lab plot`:
//   accuracy vs budget   one curve per arm, 95 % Wilson bands, log2 x axis (like the paper's figures)
//   tokens to answer     per arm, a box plot of the tokens generated until the first correct checkpoint
//   redundancy           per arm, bars of the mean redundancy and of the attention mass on others' blocks
// Qt Charts is GPL-3: the app and hogwild-lab are distributed under GPL-3.0-or-later (LICENSE).
#include <optional>

#include <QColor>
#include <QSize>
#include <QString>

#include "lab/report.h"

class QChart;
class QWidget;

namespace hogwild::ui {

enum class LabPlotKind { Accuracy, Tokens, Redundancy, All };
std::optional<LabPlotKind> lab_plot_kind_from_string(const QString& s);

// The colour of arm i in every chart and table.
QColor lab_arm_color(int index);

// New charts (the caller owns them). Curve series of the accuracy chart carry the property "arm" (its index).
QChart* make_accuracy_chart(const lab::LabReport& r);
QChart* make_tokens_chart(const lab::LabReport& r);
QChart* make_redundancy_chart(const lab::LabReport& r);

// A widget with the chart(s) of `kind` (All: the three side by side), for the window and for rendering.
QWidget* make_lab_plot_widget(const lab::LabReport& r, LabPlotKind kind, QWidget* parent = nullptr);

// Renders offscreen to PNG or SVG (chosen by the extension), written atomically. Throws ConfigError.
void render_lab_plot(const lab::LabReport& r, LabPlotKind kind, const QString& path, QSize size);

}  // namespace hogwild::ui
